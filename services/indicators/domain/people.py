"""The responsibility chain (责任链) of tasks and indicators: several people per role, each a staff id of
the plan's register (inspections' `staff[]`) with a name for display, or a bare name for plans
without a register. Pure: no I/O.

Accepted for a role: nothing; a string (one person, by name: the single-name inputs of older
bundles); a list of names and/or `{"staff_id": ..., "name": ...}` objects. Stored and read as a list
of `{"staff_id": str | None, "name": str | None}`. Names are personal data: never logged, and
`masked` gives the form written to audit rows (刘敏 → 刘*).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jixiao.rules.fields import Problems

ROLES = ("lead", "deputy", "head", "handlers")  # 主管领导, 分管领导, 科室负责人, 承办人
ROLE_LABELS = {"lead": "主管领导", "deputy": "分管领导", "head": "科室负责人", "handlers": "承办人"}
NAME_MAX, ID_MAX, PEOPLE_MAX = 200, 100, 50

Person = dict[str, str | None]
StaffLookup = Callable[[str], str | None]  # a registered person's name by staff id (None: not registered)


def read_role(
    spec: Mapping[str, Any],
    role: str,
    problems: Problems,
    staff: StaffLookup | None = None,
) -> list[Person]:
    """The people listed for `role` in `spec`, every problem added to `problems` under its field path.

    `staff(id)` gives a registered person's name (None: no such person) when the plan's register is
    known; then every id must be registered, and a missing name is filled from the register.
    """
    raw = spec.get(role)
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        problems.add(role, "must be a name, or a list of names or {staff_id, name} objects")
        return []
    if len(raw) > PEOPLE_MAX:
        problems.add(role, f"at most {PEOPLE_MAX} people")
        return []
    people: list[Person] = []
    for i, item in enumerate(raw):
        path = f"{role}[{i}]" if isinstance(spec.get(role), list) else role
        person = _person(item, path, problems, staff)
        if person is None:
            continue
        if any(_same(person, p) for p in people):
            problems.add(path, "is listed twice")
            continue
        people.append(person)
    return people


def _person(item: Any, path: str, problems: Problems, staff: StaffLookup | None) -> Person | None:
    if isinstance(item, str):
        name = _text(item, path, NAME_MAX, problems)
        return None if name is None else {"staff_id": None, "name": name}
    if not isinstance(item, dict):
        problems.add(path, "must be a name or a {staff_id, name} object")
        return None
    unknown = sorted(set(item) - {"staff_id", "name"})
    if unknown:
        problems.add(f"{path}.{unknown[0]}", "unknown field (a person has staff_id and name)")
        return None
    before = len(problems)
    staff_id = _text(item.get("staff_id"), f"{path}.staff_id", ID_MAX, problems)
    name = _text(item.get("name"), f"{path}.name", NAME_MAX, problems)
    if len(problems) > before:
        return None
    if staff_id is None and name is None:
        problems.add(path, "needs a staff_id or a name")
        return None
    if staff_id is not None and staff is not None:
        registered = staff(staff_id)
        if registered is None:
            problems.add(f"{path}.staff_id", f"no staff member {staff_id!r} in the plan's register")
            return None
        name = name or registered
    return {"staff_id": staff_id, "name": name}


def _text(value: Any, path: str, max_len: int, problems: Problems) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add(path, "must be a string")
        return None
    value = value.strip()
    if not value:
        problems.add(path, "must not be blank")
        return None
    if len(value) > max_len:
        problems.add(path, f"at most {max_len} characters")
        return None
    return value


def _same(a: Person, b: Person) -> bool:
    if a["staff_id"] or b["staff_id"]:
        return a["staff_id"] == b["staff_id"]
    return a["name"] == b["name"]


def stored(value: Any) -> list[Person]:
    """A role as stored, read tolerantly: rows written before roles were lists hold a name or names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"staff_id": None, "name": value}]
    return [{"staff_id": None, "name": v} if isinstance(v, str) else dict(v) for v in value]


def staff_ids(people: list[Person]) -> list[str]:
    return [p["staff_id"] for p in people if p.get("staff_id")]


def mask(name: str | None) -> str | None:
    """The form of a name written to audit rows: its first character, then * (刘敏 → 刘*)."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)

"""The staff register (干部职工): who belongs to which unit in which roles (stdlib only).

Names are personal data: `as_dict` is what the office reads back over REST, `audit_dict` (name masked)
is what the audit log keeps, and neither is ever logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from jixiao.rules.fields import Reader
from jixiao.rules.people import ROLES

# Chinese labels accepted wherever a role code is (a bundle typed from the plan's text uses them).
ROLE_BY_LABEL: dict[str, str] = {label: code for code, label in ROLES.items()}
ROLE_BY_LABEL.update({"科室责任人": "head", "部门负责人": "head", "科长": "head", "职工": "staff"})
ACTIVE, REMOVED = "active", "removed"


def mask_name(name: str) -> str:
    """A name as the audit log keeps it: the first character, the rest starred (刘敏 -> 刘*)."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def role_code(value: str) -> str | None:
    """The code of a role given as a code or its Chinese label; None when unknown."""
    value = value.strip()
    return value if value in ROLES else ROLE_BY_LABEL.get(value)


@dataclass
class StaffMember:
    """A person of a unit in a plan year, with their roles there (and the units a leader oversees)."""

    plan_id: str
    id: str
    unit_id: str
    name: str
    position: str = ""
    roles: list[str] = field(default_factory=lambda: ["staff"])
    oversees: list[str] = field(default_factory=list)
    status: str = ACTIVE
    version: int = 0
    created_at: datetime | None = None

    def facts(self) -> tuple:
        return (self.unit_id, self.name, self.position, sorted(self.roles), sorted(self.oversees), self.status)

    def bump(self) -> int:
        self.version += 1
        return self.version

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "unit_id": self.unit_id,
            "name": self.name,
            "position": self.position,
            "roles": list(self.roles),
            "role_labels": [ROLES[r] for r in self.roles],
            "oversees": list(self.oversees),
            "status": self.status,
            "version": self.version,
        }

    def audit_dict(self) -> dict:
        return {**self.as_dict(), "name": mask_name(self.name)}


def read_staff_record(rec: Reader, plan_id: str, unit_ids: set[str]) -> StaffMember | None:
    """One `staff[]` record of a bundle or a REST body; problems are recorded on the reader."""
    sid = rec.str("id", strip=True, max_len=100)
    unit = rec.str("unit", strip=True, max_len=100)
    if unit and unit_ids and unit not in unit_ids:
        rec.fail("unit", f"unknown unit {unit!r}")
    name = rec.str("name", strip=True, max_len=200)
    position = rec.text("position", max_len=200)
    raw_roles = rec.str_list("roles", required=False)
    roles: list[str] = []
    for value in raw_roles if raw_roles is not None else ["staff"]:
        code = role_code(value)
        if code is None:
            rec.fail("roles", f"unknown role {value!r}; known: {', '.join(f'{c} ({lb})' for c, lb in ROLES.items())}")
        elif code not in roles:
            roles.append(code)
    oversees = rec.str_list("oversees", required=False) or []
    for u in oversees:
        if unit_ids and u not in unit_ids:
            rec.fail("oversees", f"unknown unit {u!r}")
    if not (sid and unit and name) or not rec.ok:
        return None
    return StaffMember(plan_id, sid, unit, name, position.strip(), roles or ["staff"], sorted(set(oversees)))

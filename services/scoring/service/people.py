"""Who may be rated excellent (评优资格) at a graded close: the pure rule of jixiao.rules.people over the
people facts scoring stores, kept with the snapshot, published as PersonEligibilityGraded, diffed.

Names are personal data: they travel in the events (reports shows them) but are never logged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from jixiao.proto.events.v1 import people_pb2
from jixiao.rules import exactjson
from jixiao.rules.model import Plan
from jixiao.rules.people import (
    AbsenceRecord,
    Eligibility,
    LeaveRecord,
    Person,
    PersonDeduction,
    eligibility_of_all,
    read_people_rules,
    unit_outcome,
)
from services.scoring.domain.model import UnitScore
from services.scoring.service.unit_of_work import AbstractUnitOfWork

DISCIPLINE = "discipline"  # the deduction kind of discipline (inspections'); only these count for a person


@dataclass(frozen=True)
class PeopleFacts:
    """The register, leave and absences of a plan as the rules take them, and each person's name."""

    people: tuple[Person, ...]
    leaves: tuple[LeaveRecord, ...]
    absences: tuple[AbsenceRecord, ...]
    names: Mapping[str, str]
    positions: Mapping[str, str] = dataclasses.field(default_factory=dict)
    deductions: tuple[PersonDeduction, ...] = ()


def people_facts(rows: Iterable[Any], deduction_rows: Iterable[Any] = ()) -> PeopleFacts:
    """Stored people_facts rows → the rules' records (removed staff, and records of nobody, left out);
    `deduction_rows` are the active deductions naming a person, of which the `discipline` ones count."""
    by_kind: dict[str, list[tuple[Any, dict]]] = {}
    for r in rows:
        by_kind.setdefault(r.kind, []).append((r, exactjson.loads(r.data_json)))
    removed = {r.fact_id: r.version for r, _ in by_kind.get("staff_removed", [])}
    people, names, positions = [], {}, {}
    for r, d in by_kind.get("staff", []):
        if removed.get(r.fact_id, -1) > r.version:
            continue
        people.append(
            Person(
                r.fact_id,
                d.get("name", ""),
                r.unit_id,
                d.get("position", ""),
                frozenset(d.get("roles") or ["staff"]),
                frozenset(d.get("oversees") or []),
            )
        )
        names[r.fact_id] = d.get("name", "")
        positions[r.fact_id] = d.get("position", "")
    leaves = tuple(
        LeaveRecord(
            d["staff_id"],
            d["type"],
            date.fromisoformat(d["start"]),
            date.fromisoformat(d["end"]),
            r.fact_id,
            d.get("approval") or "",  # rejected: no leave; pending: counted and shown apart
        )
        for r, d in by_kind.get("leave", [])
        if d.get("staff_id")
    )
    absences = tuple(
        AbsenceRecord(
            d["staff_id"], date.fromisoformat(d["date"]), d.get("activity", ""), bool(d.get("excused")), r.fact_id
        )
        for r, d in by_kind.get("absence", [])
        if d.get("staff_id")
    )
    deductions = tuple(
        PersonDeduction(r.person, r.points, r.date, r.deduction_id)
        for r in deduction_rows
        if r.person and r.kind == DISCIPLINE and r.points is not None and r.date is not None
    )
    return PeopleFacts(tuple(people), leaves, absences, names, positions, deductions)


def grade_people(plan: Plan, people_section: Any, scores: Sequence[UnitScore], facts: PeopleFacts) -> list[Eligibility]:
    """Every registered person's eligibility from their unit's graded result (pure)."""
    lowest = plan.grade_bands[-1].grade if plan.grade_bands else None
    units = {s.unit: unit_outcome(s.unit, s.grade, s.vetoed, lowest) for s in scores}
    rules = read_people_rules(people_section, plan.year)
    return eligibility_of_all(facts.people, units, facts.leaves, facts.absences, facts.deductions, rules)


def entry_of(e: Eligibility, name: str, unit_grade: str | None, position: str = "") -> dict[str, Any]:
    """A person's snapshot entry (exact JSON)."""
    return {**e.as_dict(), "name": name, "position": position, "unit_grade": unit_grade}


@dataclass(frozen=True)
class PersonChange:
    """A person whose eligibility changed between two snapshots of a period."""

    staff_id: str
    unit_id: str
    old_eligible: bool | None
    new_eligible: bool | None
    why: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.staff_id,
            "unit": self.unit_id,
            "old_eligible": self.old_eligible,
            "new_eligible": self.new_eligible,
            "why": list(self.why),
        }


def _codes(entry: Mapping[str, Any] | None) -> list[str]:
    return [r["code"] for r in (entry or {}).get("reasons", [])]


def _yes(value: bool) -> str:
    return "true" if value else "false"


def diff_people(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[PersonChange]:
    """The people whose eligibility or reasons differ (by staff id), like the units' diff."""
    before = {e["person_id"]: e for e in old}
    after = {e["person_id"]: e for e in new}
    out = []
    for pid in sorted(before.keys() | after.keys()):
        a, b = before.get(pid), after.get(pid)
        if a is None:
            why: tuple[str, ...] = ("new person",)
        elif b is None:
            why = ("person no longer registered",)
        else:
            ra, rb = _codes(a), _codes(b)
            flip = (
                [f"eligible: {_yes(a['eligible'])} → {_yes(b['eligible'])}"] if a["eligible"] != b["eligible"] else []
            )
            why = tuple(
                flip + [f"reason +{c}" for c in rb if c not in ra] + [f"reason -{c}" for c in ra if c not in rb]
            )
        if why:
            out.append(
                PersonChange(
                    pid,
                    (b or a or {}).get("unit_id", ""),
                    None if a is None else a["eligible"],
                    None if b is None else b["eligible"],
                    why,
                )
            )
    return out


async def current_people(
    uow: AbstractUnitOfWork, plan: Plan, plan_json: str, scores: Sequence[UnitScore]
) -> list[dict[str, Any]]:
    """The entries a close would store now (empty when nobody is registered)."""
    facts = people_facts(await uow.repo.people_rows(plan.id), await uow.repo.person_deduction_rows(plan.id))
    if not facts.people:
        return []
    doc = exactjson.loads(plan_json)  # a PlanPublished body: {"plan": {...}, "indicators": [...]}
    section = (doc.get("plan") or {}).get("people")
    grades = {s.unit: s.grade for s in scores}
    return [
        entry_of(e, facts.names.get(e.person_id, ""), grades.get(e.unit_id), facts.positions.get(e.person_id, ""))
        for e in grade_people(plan, section, scores, facts)
    ]


async def previous_people(uow: AbstractUnitOfWork, plan_id: str, period: str, previous: Any) -> list[dict]:
    """The entries of the previous snapshot of the period (none before the first)."""
    if previous is None:
        return []
    return [exactjson.loads(r.entry_json) for r in await uow.repo.person_eligibility(plan_id, period, previous.version)]


async def store_and_publish(
    uow: AbstractUnitOfWork,
    plan_id: str,
    period: str,
    version: int,
    entries: list[dict[str, Any]],
    changes: list[PersonChange],
) -> None:
    """Keep the entries with the snapshot and publish one PersonEligibilityGraded per person."""
    await uow.repo.add_person_eligibility(
        [
            {
                "plan_id": plan_id,
                "period": period,
                "version": version,
                "staff_id": e["person_id"],
                "unit_id": e["unit_id"],
                "eligible": e["eligible"],
                "entry_json": exactjson.dumps(e),
            }
            for e in entries
        ]
    )
    await publish_people(uow, plan_id, period, version, entries, {c.staff_id for c in changes})


async def publish_people(
    uow: Any, plan_id: str, period: str, version: int, entries: Iterable[Mapping[str, Any]], changed: set[str]
) -> None:
    """One PersonEligibilityGraded per entry into `uow.emit` (a close's outbox, or the score snapshot's
    collector, so a resynced reader gets the very events a live one read)."""
    for e in entries:
        await uow.emit(
            people_pb2.PersonEligibilityGraded(
                plan_id=plan_id,
                period=period,
                snapshot_version=version,
                unit_id=e["unit_id"],
                staff_id=e["person_id"],
                name=e["name"],
                eligible=e["eligible"],
                reasons=[people_pb2.EligibilityReason(**r) for r in e["reasons"]],
                leave_days={k: int(v) for k, v in e["leave_days"].items()},
                absences=e["absences"],
                unexcused_absences=e["unexcused_absences"],
                deduction_points=e["deduction_points"],
                unit_grade=e["unit_grade"] or "",
                changed=e["person_id"] in changed,
                position=e.get("position", ""),
                pending_leave_days=e.get("pending_leave_days", 0),
            ),
            plan_id=plan_id,
            unit_id=e["unit_id"],
            aggregate_id=f"{plan_id}:{period}:{e['person_id']}",
            version=version,
        )

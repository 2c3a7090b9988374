"""People for the year-end cadre assessment (干部年度考核): each person's eligibility for excellence
(评优资格) as scoring graded it, per unit, and the rows of a personnel office's list (stdlib only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.rules.people import LEAVE_TYPES

# Leave types in the order of the plans, with their labels (the columns of the list): the rules' own.
LEAVE_COLUMNS: dict[str, str] = LEAVE_TYPES


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    detail: str = ""


@dataclass(frozen=True)
class PersonEligibility:
    """One person's verdict in one graded snapshot (PersonEligibilityGraded)."""

    plan_id: str
    period: str
    version: int
    unit_id: str
    staff_id: str
    name: str
    position: str
    unit_grade: str
    eligible: bool
    reasons: tuple[Reason, ...] = ()
    leave_days: Mapping[str, int] = field(default_factory=dict)
    absences: int = 0
    unexcused_absences: int = 0
    deduction_points: Decimal = Decimal(0)
    pending_leave_days: int = 0  # leave awaiting approval: counted meanwhile, shown apart

    def to_dict(self) -> dict:
        return {
            "plan_id": self.plan_id,
            "period": self.period,
            "version": self.version,
            "unit_id": self.unit_id,
            "staff_id": self.staff_id,
            "name": self.name,
            "position": self.position,
            "unit_grade": self.unit_grade,
            "eligible": self.eligible,
            "reasons": [{"code": r.code, "label": r.label, "detail": r.detail} for r in self.reasons],
            "leave_days": dict(self.leave_days),
            "absences": self.absences,
            "unexcused_absences": self.unexcused_absences,
            "deduction_points": str(self.deduction_points),
            "pending_leave_days": self.pending_leave_days,
        }

    @classmethod
    def of_dict(cls, d: Mapping) -> PersonEligibility:
        return cls(
            d["plan_id"],
            d["period"],
            int(d["version"]),
            d["unit_id"],
            d["staff_id"],
            d["name"],
            d.get("position", ""),
            d.get("unit_grade", ""),
            bool(d["eligible"]),
            tuple(Reason(r["code"], r["label"], r.get("detail", "")) for r in d.get("reasons", [])),
            {k: int(v) for k, v in d.get("leave_days", {}).items()},
            int(d.get("absences", 0)),
            int(d.get("unexcused_absences", 0)),
            Decimal(str(d.get("deduction_points", "0"))),
            int(d.get("pending_leave_days", 0)),
        )

    @property
    def reason_text(self) -> str:
        """The reasons as a personnel office writes them: labels joined by ；."""
        return "；".join(r.label for r in self.reasons)


@dataclass(frozen=True)
class UnitPeople:
    """A unit's people with its grade: who may be rated excellent and who may not, and why."""

    unit_id: str
    unit_name: str
    unit_grade: str
    people: tuple[PersonEligibility, ...]

    @property
    def eligible(self) -> int:
        return sum(1 for p in self.people if p.eligible)


def by_unit(rows: Iterable[PersonEligibility], unit_names: Mapping[str, str]) -> list[UnitPeople]:
    """People grouped per unit (units by id, people by staff id)."""
    grouped: dict[str, list[PersonEligibility]] = {}
    for r in rows:
        grouped.setdefault(r.unit_id, []).append(r)
    return [
        UnitPeople(u, unit_names.get(u, "") or u, ps[0].unit_grade, tuple(sorted(ps, key=lambda p: p.staff_id)))
        for u, ps in sorted(grouped.items())
    ]


def leave_columns(rows: Iterable[PersonEligibility]) -> list[str]:
    """Every leave type in the plans' order, then any other type seen (a filed list keeps its columns)."""
    extra = sorted({t for r in rows for t in r.leave_days if t not in LEAVE_COLUMNS})
    return [*LEAVE_COLUMNS, *extra]


def people_of_listed_units(
    kind: str, unit_ids: Iterable[str], rows: Iterable[PersonEligibility]
) -> list[PersonEligibility]:
    """The persons a list page names beside its units, in the units' order (docs/people.md):
    通报表彰 (`commendation`) the eligible persons of the commended units; 通报批评 (`criticism`) the
    persons of the criticized units who lost eligibility (视情况: the office decides)."""
    wanted = kind == "commendation"
    by_unit_id: dict[str, list[PersonEligibility]] = {}
    for r in rows:
        if r.eligible == wanted:
            by_unit_id.setdefault(r.unit_id, []).append(r)
    return [p for u in unit_ids for p in sorted(by_unit_id.get(u, ()), key=lambda p: p.staff_id)]


def commendation(units: Iterable[UnitPeople], top_grade: str | None) -> list[PersonEligibility]:
    """通报表彰 candidates: the eligible people of units graded in the plan's top band
    (「考核评定为"优秀"的科室、个人,予以通报表彰」; a person is rated through their unit's result)."""
    return [p for u in units if top_grade and u.unit_grade == top_grade for p in u.people if p.eligible]


def criticism(units: Iterable[UnitPeople], lowest_grade: str | None) -> list[PersonEligibility]:
    """通报批评 candidates (视情况, the office decides): the people of units graded in the plan's lowest band
    who lost eligibility (「考核评定为"不合格"的科室、个人,视情况予以通报批评」)."""
    return [p for u in units if lowest_grade and u.unit_grade == lowest_grade for p in u.people if not p.eligible]

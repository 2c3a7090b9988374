"""Use cases of the people lists (干部年度考核): apply PersonEligibilityGraded, list per unit, export."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.errors import NotFound
from services.reports.adapters.people_repository import AbstractPeopleReadModel
from services.reports.domain import rules
from services.reports.domain.people import (
    PersonEligibility,
    UnitPeople,
    by_unit,
    commendation,
    criticism,
    leave_columns,
    people_of_listed_units,
)


@dataclass(frozen=True)
class PeopleView:
    """A graded snapshot's people per unit, with the grade labels and the leave columns of the list."""

    plan_id: str
    period: str
    version: int
    units: list[UnitPeople]
    grade_labels: dict[str, str]
    leave_types: list[str]

    def to_dict(self) -> dict:
        grades = list(self.grade_labels)  # in the plan's band order
        top, lowest = (grades[0], grades[-1]) if grades else (None, None)
        return {
            "plan": self.plan_id,
            "period": self.period,
            "snapshot_version": self.version,
            "commendation": [_brief(p) for p in commendation(self.units, top)],
            "criticism": [_brief(p) for p in criticism(self.units, lowest)],
            "units": [
                {
                    "unit_id": u.unit_id,
                    "unit_name": u.unit_name,
                    "unit_grade": u.unit_grade,
                    "unit_grade_label": self.grade_labels.get(u.unit_grade, u.unit_grade),
                    "eligible": u.eligible,
                    "people": [p.to_dict() for p in u.people],
                }
                for u in self.units
            ],
        }


def _brief(p: PersonEligibility) -> dict:
    return {
        "unit_id": p.unit_id,
        "staff_id": p.staff_id,
        "name": p.name,
        "position": p.position,
        "reasons": [r.label for r in p.reasons],
    }


async def apply_person(people: AbstractPeopleReadModel, row: PersonEligibility) -> None:
    """Keep one PersonEligibilityGraded (idempotent: a snapshot's verdict never changes)."""
    await people.save(row)


async def list_people(uow, plan_id: str, period: str, version: int, kind: str, unit_ids: list[str]):
    """The persons of a commendation or criticism list of snapshot `version` (none before staff exist)."""
    async with uow:
        found, rows = await uow.people.latest(plan_id, period, version)
    return people_of_listed_units(kind, unit_ids, rows if found == version else [])


async def people_view(uow, plan_id: str, period: str, version: int | None = None) -> PeopleView:
    """The people of the latest graded snapshot (or `version`) per unit; 404 before any."""
    async with uow:
        found, rows = await uow.people.latest(plan_id, period, version)
        labels = rules.labels_in_effect(
            plan_id, await uow.reports.learned_labels(plan_id), await uow.reports.labels(plan_id)
        )
    if found is None or not rows:
        raise NotFound(
            f"no graded people for plan {plan_id!r}, period {period!r}"
            + (f", snapshot {version}" if version is not None else "")
        )
    return PeopleView(plan_id, period, found, by_unit(rows, labels.units), dict(labels.grades), leave_columns(rows))

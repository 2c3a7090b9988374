"""Year-end re-score: every fact again from the sources, every unit recomputed, the diff reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jixiao.errors import FieldProblem, InvalidInput, NotFound
from jixiao.logging import get_logger
from jixiao.rules import exactjson
from jixiao.rules.periods import PERIODS
from services.scoring.domain.results import unit_to_dict
from services.scoring.service import people
from services.scoring.service.common import YEAR, Dependencies, Progress, plain_entries, provisional_entry
from services.scoring.service.diff import DiffEntry, diff_units
from services.scoring.service.queries import provisional_entries
from services.scoring.service.recompute import score_and_grade
from services.scoring.service.reconcile import reconcile

log = get_logger("scoring.handlers")

PROVISIONAL = "provisional"


@dataclass(frozen=True)
class RescoreReport:
    """The outcome of a re-score: every unit recomputed from the sources, compared with `against`."""

    plan_id: str
    period: str
    units: int
    against: str  # "snapshot:<version>" or "provisional"
    diff: list[DiffEntry]
    reconciled: dict[str, int]
    people_diff: list[people.PersonChange] = field(default_factory=list)  # 评优资格 against the snapshot
    objections: list[str] = field(default_factory=list)  # named, waiting for the next snapshot version

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the REST answer)."""
        return {
            "plan": self.plan_id,
            "period": self.period,
            "units": self.units,
            "against": self.against,
            "reconciled": self.reconciled,
            "diff": [d.to_dict() for d in self.diff],
            "people_diff": [p.to_dict() for p in self.people_diff],
            "objections": list(self.objections),
        }


async def rescore(
    deps: Dependencies,
    plan_id: str,
    period: str = YEAR,
    actor: str = "rescore",
    progress: Progress | None = None,
    objections: Sequence[str] = (),
) -> RescoreReport:
    """Stream every fact from the sources' snapshots, recompute every unit and report what differs
    from the latest graded snapshot (or the provisional scores if none).

    Stores the refreshed facts and provisional scores (publishing UnitScoreUpdated for changes) but
    never a graded snapshot: running it twice gives the same report. Close the period to publish.
    `objections` (异议, reports' ids) are noted: the next close that makes a new version records and
    publishes them (PeriodGraded.objection_ids), so the notice links the re-score to them."""
    if period not in PERIODS:
        raise InvalidInput(f"unknown period {period!r}", problems=[FieldProblem("period", "unknown period")])
    before, against = await _baseline(deps, plan_id, period)
    reconciled = await reconcile(deps, plan_id, "", progress)
    async with deps.uow_factory() as uow:
        if await uow.repo.plan_row(plan_id) is None:
            raise NotFound(f"plan {plan_id!r} is not known to scoring (no PlanPublished yet)")
        if progress:
            progress("score", 0, 1)
        graded, plan = await score_and_grade(deps, uow, plan_id, period, label="rescore")
        people_diff = await _people_diff(uow, plan_id, period, plan, graded)
        await uow.repo.name_objections(plan_id, period, objections, actor)
        pending = [r.objection_id for r in await uow.repo.objections(plan_id, period) if r.snapshot_version is None]
        after = plain_entries([unit_to_dict(plan, s) for s in graded])
        if against == PROVISIONAL:
            after = [provisional_entry(e, period) for e in after]
        diff = diff_units(before, after)
        await uow.audit(
            "period.rescored",
            entity_type="period",
            entity_id=f"{plan_id}/{period}",
            after={
                "plan_id": plan_id,
                "period": period,
                "units": len(graded),
                "against": against,
                "changed": len(diff),
                "reconciled": reconciled,
                "rescored_by": actor,
                "objections": pending,
            },
        )
        await uow.commit()
    if progress:
        progress("score", 1, 1)
    log.info("scoring.rescored", plan=plan_id, period=period, units=len(graded), changed=len(diff), actor=actor)
    return RescoreReport(plan_id, period, len(graded), against, diff, reconciled, people_diff, pending)


async def _people_diff(uow: Any, plan_id: str, period: str, plan: Any, graded: list) -> list[people.PersonChange]:
    """Whose eligibility the recomputed grades would change, against the latest graded snapshot."""
    plan_row = await uow.repo.plan_row(plan_id)
    now = await people.current_people(uow, plan, plan_row.plan_json, graded)
    return people.diff_people(
        await people.previous_people(uow, plan_id, period, await uow.repo.snapshot(plan_id, period)), now
    )


async def _baseline(deps: Dependencies, plan_id: str, period: str) -> tuple[list[dict[str, Any]], str]:
    """What a re-score compares with: the latest graded snapshot's entries, else the provisional ones."""
    async with deps.uow_factory() as uow:
        snapshot = await uow.repo.snapshot(plan_id, period)
        if snapshot is not None:
            return exactjson.loads(snapshot.results_json)["units"], f"snapshot:{snapshot.version}"
        return await provisional_entries(uow.repo, plan_id, period), PROVISIONAL

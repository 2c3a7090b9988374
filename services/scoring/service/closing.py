"""Closing a period: reconcile, grade and rank every unit, store an immutable graded snapshot, publish.

Closing again without any change returns the latest snapshot (no new version); after corrections it
makes a new version with the diff. PeriodClosed events queue close requests that a worker carries out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jixiao.errors import NotFound
from jixiao.logging import get_logger
from jixiao.registry import SOURCES
from jixiao.rules import exactjson
from jixiao.rules.exactjson import dumps
from jixiao.rules.model import Plan
from services.scoring.domain.model import UnitScore
from services.scoring.domain.results import explanation_to_dict, results_to_dict, unit_to_dict
from services.scoring.service import events, people
from services.scoring.service.common import (
    Dependencies,
    NotGradable,
    Progress,
    check_gradable,
    check_period,
    plain_entries,
)
from services.scoring.service.diff import DiffEntry, diff_units
from services.scoring.service.recompute import score_and_grade
from services.scoring.service.reconcile import reconcile as reconcile_sources
from services.scoring.service.unit_of_work import AbstractUnitOfWork

log = get_logger("scoring.handlers")


@dataclass(frozen=True)
class CloseReport:
    """The outcome of ClosePeriod: the snapshot version (new, or the unchanged latest) and the diff."""

    plan_id: str
    period: str
    snapshot_version: int
    units: int
    created: bool
    diff: list[DiffEntry]
    reconciled: dict[str, int]
    people_diff: list[people.PersonChange] = dataclasses.field(default_factory=list)  # 评优资格 changes
    unreconciled: list[str] = dataclasses.field(default_factory=list)  # sources without a snapshot address
    objections: list[str] = dataclasses.field(default_factory=list)  # the objections a new version follows

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the REST answer)."""
        return {
            "plan": self.plan_id,
            "period": self.period,
            "snapshot_version": self.snapshot_version,
            "units": self.units,
            "created": self.created,
            "reconciled": self.reconciled,
            "unreconciled": self.unreconciled,
            "diff": [d.to_dict() for d in self.diff],
            "people_diff": [p.to_dict() for p in self.people_diff],
            "objections": list(self.objections),
        }


@dataclass(frozen=True)
class _Snapshot:
    """A new graded snapshot about to be stored: the ranked scores and their results/v1 entries."""

    plan_id: str
    plan: Plan
    plan_version: int
    period: str
    version: int
    actor: str
    scores: list[UnitScore]
    entries: list[dict[str, Any]]
    diff: list[DiffEntry]
    objection_ids: tuple[str, ...] = ()  # the objections (异议) this version follows

    @cached_property
    def results(self) -> dict[str, Any]:
        """The snapshot's jixiao.results/v1 document."""
        return results_to_dict(self.plan, self.period, self.scores)

    @cached_property
    def sha256(self) -> str:
        """The hash of the results document that the snapshot stores and its events carry."""
        return events.results_sha256(self.results)


async def close_period(
    deps: Dependencies,
    plan_id: str,
    period: str,
    actor: str,
    *,
    reconcile: bool = True,
    progress: Progress | None = None,
    objections: Sequence[str] = (),
) -> CloseReport:
    """Reconcile with the sources, grade and rank every unit, store an immutable graded snapshot and
    publish UnitScoreGraded per unit and one PeriodGraded (or return the unchanged latest snapshot).

    A new version records the objections (异议) named by this close or an earlier re-score and
    publishes them in its PeriodGraded; without a new version they wait for the next one."""
    check_period(period)
    try:
        reconciled = await reconcile_sources(deps, plan_id, "", progress) if reconcile else {}
        report = await _grade(deps, plan_id, period, actor, progress, objections)
    except NotGradable:
        raise  # a progress check: nothing to grade, nothing failed
    except Exception:
        deps.metrics.periods_closed.labels("failed").inc()
        raise
    unreconciled = [s for s in SOURCES if s not in deps.clients] if reconcile else []
    if unreconciled:  # local mode only: elsewhere scoring refuses to start without them
        log.warning("scoring.close_unreconciled", plan=plan_id, period=period, sources=unreconciled)
    report = dataclasses.replace(report, reconciled=reconciled, unreconciled=unreconciled)
    deps.metrics.periods_closed.labels("created" if report.created else "unchanged").inc()
    return report


async def _grade(
    deps: Dependencies, plan_id: str, period: str, actor: str, progress: Progress | None, objections: Sequence[str]
) -> CloseReport:
    async with deps.uow_factory() as uow:
        repo = uow.repo
        await repo.lock_period(plan_id, period)
        plan_row = await repo.plan_row(plan_id)
        if plan_row is None:
            raise NotFound(f"plan {plan_id!r} is not known to scoring (no PlanPublished yet)")
        check_gradable(deps.plans.of(plan_row), period)
        if objections:
            await repo.name_objections(plan_id, period, objections, actor)
        if progress:
            progress("grade", 0, 1)
        graded, plan = await score_and_grade(deps, uow, plan_id, period, label="close")
        entries = [unit_to_dict(plan, s) for s in graded]
        previous = await repo.snapshot(plan_id, period)
        old_entries = exactjson.loads(previous.results_json)["units"] if previous is not None else []
        diff = diff_units(old_entries, plain_entries(entries))
        persons = await people.current_people(uow, plan, plan_row.plan_json, graded)
        people_diff = people.diff_people(await people.previous_people(uow, plan_id, period, previous), persons)
        if previous is not None and not diff and not people_diff and previous.plan_version == plan_row.version:
            await uow.commit()  # objections named here wait for the next version
            return CloseReport(plan_id, period, previous.version, previous.units, False, [], {})
        version = (previous.version if previous is not None else 0) + 1
        followed = tuple(await repo.attach_objections(plan_id, period, version))
        snapshot = _Snapshot(plan_id, plan, plan_row.version, period, version, actor, graded, entries, diff, followed)
        await _store_snapshot(uow, snapshot)
        await uow.audit(  # the graded snapshot's hash in the chain: `jixiao audit verify` checks both
            "period.closed",
            entity_type="snapshot",
            entity_id=f"{plan_id}/{period}/v{version}",
            after={
                "plan_id": plan_id,
                "period": period,
                "version": version,
                "units": len(graded),
                "changed": len(diff),
                "results_sha256": snapshot.sha256,
                "closed_by": actor,
            },
        )
        await _publish_grades(deps, uow, snapshot)
        await people.store_and_publish(uow, plan_id, period, version, persons, people_diff)  # 评优资格
        await uow.commit()
    if progress:
        progress("grade", 1, 1)
    log.info(
        "scoring.period_closed",
        plan=plan_id,
        period=period,
        version=version,
        units=len(graded),
        changed=len(diff),
        actor=actor,
    )
    return CloseReport(
        plan_id, period, version, len(graded), True, diff, {}, people_diff, objections=list(snapshot.objection_ids)
    )


async def _store_snapshot(uow: AbstractUnitOfWork, s: _Snapshot) -> None:
    """The snapshot, its units' entries and explanations, and a `graded` history row per unit."""
    plan_id = s.plan_id
    results_json = dumps(s.results, indent=1)
    await uow.repo.add_snapshot(
        {
            "plan_id": plan_id,
            "period": s.period,
            "version": s.version,
            "actor": s.actor,
            "plan_version": s.plan_version,
            "units": len(s.scores),
            "results_json": results_json,
            "results_sha256": s.sha256,
            "diff_json": dumps([d.to_dict() for d in s.diff], indent=None),
        },
        [
            {
                "plan_id": plan_id,
                "period": s.period,
                "version": s.version,
                "unit_id": u.unit,
                "group": u.group,
                "score_json": dumps(e, indent=None),
                "explanation_json": dumps(explanation_to_dict(u.explanation), indent=None),
            }
            for u, e in zip(s.scores, s.entries, strict=True)
        ],
    )
    await uow.repo.add_history(
        [
            {
                "plan_id": plan_id,
                "unit_id": u.unit,
                "period": s.period,
                "kind": "graded",
                "version": s.version,
                "status": u.status,
                "total": u.total,
                "grade": u.grade,
                "score_json": dumps(e, indent=None),
                "event_ids_json": "[]",
            }
            for u, e in zip(s.scores, s.entries, strict=True)
        ]
    )


async def _publish_grades(deps: Dependencies, uow: AbstractUnitOfWork, s: _Snapshot) -> None:
    """UnitScoreGraded per unit, then one PeriodGraded, into the same transaction's outbox (built by events.py)."""
    names = {r.unit_id: r.name for r in await uow.repo.unit_rows(s.plan_id)}
    await events.publish_graded(
        uow,
        events.GradedSnapshot(
            events.PlanInfo.of(s.plan, await uow.repo.plan_row(s.plan_id)),
            s.period,
            s.version,
            s.actor,
            s.sha256,
            s.scores,
            s.entries,
            names,
            [d.unit for d in s.diff],
            s.objection_ids,
        ),
    )
    deps.metrics.scores_published.labels("UnitScoreGraded").inc(len(s.scores))
    deps.metrics.scores_published.labels("PeriodGraded").inc()


# --- PeriodClosed events ------------------------------------------------------------------------------


async def run_close_requests(deps: Dependencies) -> int:
    """Close the periods that PeriodClosed events asked for (one request at a time, across instances);
    returns how many were carried out (it stops at the first failure, which is kept for a retry)."""
    done = 0
    while True:
        async with deps.uow_factory() as claim:
            request = await claim.repo.claim_close_request()
            if request is None or not await _carry_out(deps, claim, request):
                return done
            done += 1


async def _carry_out(deps: Dependencies, claim: AbstractUnitOfWork, request: Any) -> bool:
    """Close what one request asks for (progress periods are only logged), then drop the request;
    on failure keep it with one more attempt and its error."""
    try:
        if await _gradable(deps, request.plan_id, request.period):
            await close_period(deps, request.plan_id, request.period, request.actor)
        else:
            log.info("scoring.progress_period_closed", plan=request.plan_id, period=request.period)
    except Exception as exc:
        await claim.repo.fail_close_request(request.id, f"{type(exc).__name__}: {exc}")
        await claim.commit()
        log.warning("scoring.close_failed", plan=request.plan_id, period=request.period, error=str(exc))
        return False
    await claim.repo.finish_close_request(request.id)
    await claim.commit()
    return True


async def _gradable(deps: Dependencies, plan_id: str, period: str) -> bool:
    """Whether closing `period` grades it (an unknown plan: let close_period say why it cannot)."""
    async with deps.uow_factory() as uow:
        plan_row = await uow.repo.plan_row(plan_id)
    return plan_row is None or deps.plans.of(plan_row).is_graded(period)

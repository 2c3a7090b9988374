"""Use cases of the reports service: apply score events, settle snapshots, answer queries."""

from __future__ import annotations

from typing import Protocol

from services.reports.adapters.repository import AbstractReadModel
from services.reports.domain import rules
from services.reports.domain.errors import PeriodNotGraded, PeriodUnknown, SnapshotUnknown
from services.reports.domain.model import (
    GradedScoreReceived,
    PeriodGradedReceived,
    PeriodState,
    PlanLabels,
    ProvisionalScoreReceived,
    RankingView,
)

ScoreEvent = ProvisionalScoreReceived | GradedScoreReceived | PeriodGradedReceived


class UnitOfWork(Protocol):
    """What the query and command handlers need (ReportsUnitOfWork, or a fake in tests)."""

    reports: AbstractReadModel

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc) -> None: ...

    async def commit(self) -> None: ...


# -- events (inside the consumer's batch transaction) -----------------------------------------

async def apply_event(repo: AbstractReadModel, event: ScoreEvent) -> tuple[str, str]:
    """Store one score event; returns the (plan, period) to settle at the end of the batch."""
    if isinstance(event, ProvisionalScoreReceived):
        await repo.save_provisional(event)
    elif isinstance(event, GradedScoreReceived):
        await repo.add_graded(event)
    else:
        await repo.add_period_graded(event)
    return event.plan_id, event.period


async def settle(repo: AbstractReadModel, plan_id: str, period: str) -> PeriodState:
    """Show the newest complete snapshot if it is newer than the one shown; drop dead ones.

    Called once per touched period after a batch, with the period row locked, so concurrent
    consumers (one per partition set) cannot both miss the moment a snapshot becomes complete.
    """
    state = await repo.lock_period(plan_id, period)
    snapshots = await repo.snapshots(plan_id, period)
    newer = rules.snapshot_to_show(state.current_snapshot, snapshots)
    current = state.current_snapshot
    if newer is not None:
        await repo.show_snapshot(plan_id, period, newer)
        current = newer.version
    if current is not None:
        await repo.drop_snapshots(plan_id, period, rules.obsolete_snapshots(current, snapshots))
    return state


# -- queries ----------------------------------------------------------------------------------

async def ranking_view(uow: UnitOfWork, plan_id: str, period: str, *, group: str | None = None,
                       snapshot: int | None = None, require_graded: bool = False) -> RankingView:
    """The graded ranking if a complete snapshot exists, else the provisional one."""
    async with uow:
        repo = uow.reports
        state = await repo.period(plan_id, period)
        if state is None:
            raise PeriodUnknown(f"no scores for plan {plan_id!r}, period {period!r}")
        labels = await repo.labels(plan_id)
        version = snapshot if snapshot is not None else state.current_snapshot
        if version is None:
            if require_graded:
                raise PeriodNotGraded(f"plan {plan_id!r}, period {period!r} has no graded snapshot yet")
            scores = await repo.provisional_scores(plan_id, period)
            return rules.build_view(plan_id, period, scores, provisional=True, labels=labels, group=group)
        snap = next((s for s in await repo.snapshots(plan_id, period)
                     if s.version == version and s.complete), None)
        if snap is None:
            raise SnapshotUnknown(f"snapshot {version} of plan {plan_id!r}, period {period!r} is not available")
        scores = await repo.graded_scores(plan_id, period, version)
        return rules.build_view(plan_id, period, scores, provisional=False, labels=labels,
                                snapshot=snap, group=group)


async def list_periods(uow: UnitOfWork) -> list[PeriodState]:
    async with uow:
        return await uow.reports.periods()


async def get_labels(uow: UnitOfWork, plan_id: str) -> PlanLabels:
    async with uow:
        return await uow.reports.labels(plan_id) or PlanLabels(plan_id)


async def set_labels(uow: UnitOfWork, labels: PlanLabels) -> PlanLabels:
    """Replace a plan's own grade labels and unit names (the defaults still fill the gaps)."""
    rules.validate_labels(labels.grades, labels.units)
    async with uow:
        await uow.reports.save_labels(labels)
        await uow.commit()
    return labels

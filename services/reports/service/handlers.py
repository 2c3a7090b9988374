"""Use cases of the reports service: apply score and label events, settle snapshots, answer queries."""

from __future__ import annotations

from typing import Protocol

from services.reports.adapters.repository import AbstractReadModel
from services.reports.domain import rules
from services.reports.domain.errors import PeriodNotGraded, PeriodUnknown, SnapshotUnknown, UnitUnknown
from services.reports.domain.model import (
    GradedScoreReceived,
    PeriodGradedReceived,
    PeriodState,
    PlanLabels,
    PlanPublishedReceived,
    ProvisionalScoreReceived,
    RankingView,
    ScoreCard,
    Snapshot,
    UnitScore,
    UnitUpsertedReceived,
)

ScoreEvent = ProvisionalScoreReceived | GradedScoreReceived | PeriodGradedReceived
LabelEvent = PlanPublishedReceived | UnitUpsertedReceived
ReportsEvent = ScoreEvent | LabelEvent


class UnitOfWork(Protocol):
    """What the query and command handlers need (SqlAlchemyReportsUnitOfWork, or a fake in tests)."""

    reports: AbstractReadModel

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc) -> None: ...

    async def commit(self) -> None: ...


# -- events (inside the consumer's batch transaction) -----------------------------------------

async def apply_event(repo: AbstractReadModel, event: ReportsEvent) -> tuple[str, str] | None:
    """Store one event; returns the (plan, period) to settle at the end of the batch, if any.

    Label events (from jixiao.indicators.v1) keep the latest version per plan and per unit, so a
    late, older one never replaces a newer name; they touch no period.
    """
    if isinstance(event, PlanPublishedReceived):
        await repo.save_plan_grades(event)
        return None
    if isinstance(event, UnitUpsertedReceived):
        await repo.save_unit_name(event)
        return None
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

async def _shown_scores(repo: AbstractReadModel, plan_id: str, period: str, snapshot: int | None,
                        require_graded: bool) -> tuple[list[UnitScore], Snapshot | None]:
    """The scores of a complete graded snapshot (the shown one by default), else the provisional ones."""
    state = await repo.period(plan_id, period)
    if state is None:
        raise PeriodUnknown(f"no scores for plan {plan_id!r}, period {period!r}")
    version = snapshot if snapshot is not None else state.current_snapshot
    if version is None:
        if require_graded:
            raise PeriodNotGraded(f"plan {plan_id!r}, period {period!r} has no graded snapshot yet")
        return await repo.provisional_scores(plan_id, period), None
    snap = next((s for s in await repo.snapshots(plan_id, period) if s.version == version and s.complete), None)
    if snap is None:
        raise SnapshotUnknown(f"snapshot {version} of plan {plan_id!r}, period {period!r} is not available")
    return await repo.graded_scores(plan_id, period, version), snap


async def _labels(repo: AbstractReadModel, plan_id: str) -> PlanLabels:
    return rules.labels_in_effect(plan_id, await repo.learned_labels(plan_id), await repo.labels(plan_id))


async def ranking_view(uow: UnitOfWork, plan_id: str, period: str, *, group: str | None = None,
                       snapshot: int | None = None, require_graded: bool = False) -> RankingView:
    """The graded ranking if a complete snapshot exists, else the provisional one."""
    async with uow:
        scores, snap = await _shown_scores(uow.reports, plan_id, period, snapshot, require_graded)
        labels = await _labels(uow.reports, plan_id)
    return rules.build_view(plan_id, period, scores, provisional=snap is None, labels=labels,
                            snapshot=snap, group=group)


async def score_card(uow: UnitOfWork, plan_id: str, period: str, unit_id: str, *,
                     snapshot: int | None = None) -> ScoreCard:
    """One unit's score card from the same scores the ranking shows."""
    async with uow:
        scores, snap = await _shown_scores(uow.reports, plan_id, period, snapshot, False)
        labels = await _labels(uow.reports, plan_id)
    card = rules.build_card(plan_id, period, scores, unit_id, provisional=snap is None, labels=labels,
                            snapshot=snap)
    if card is None:
        raise UnitUnknown(f"unit {unit_id!r} has no score in plan {plan_id!r}, period {period!r}")
    return card


async def list_periods(uow: UnitOfWork) -> list[PeriodState]:
    async with uow:
        return await uow.reports.periods()


async def get_labels(uow: UnitOfWork, plan_id: str) -> tuple[PlanLabels, PlanLabels]:
    """The plan's explicit override (empty if none) and the labels in effect (override over learned)."""
    async with uow:
        override = await uow.reports.labels(plan_id) or PlanLabels(plan_id)
        return override, await _labels(uow.reports, plan_id)


async def set_labels(uow: UnitOfWork, labels: PlanLabels) -> tuple[PlanLabels, PlanLabels]:
    """Replace a plan's explicit override (it wins over the labels learned from events; {} clears it)."""
    rules.validate_labels(labels.grades, labels.units)
    async with uow:
        await uow.reports.save_labels(labels)
        effective = await _labels(uow.reports, labels.plan_id)
        await uow.commit()
    return labels, effective

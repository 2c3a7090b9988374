"""After a broker loss: apply a source's snapshot again, recompute what it changed, count the repairs."""

from __future__ import annotations

from jixiao.errors import JixiaoError
from jixiao.logging import get_logger
from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.rules.periods import PERIODS
from jixiao.validation import message_problem
from services.scoring.adapters.source_events import change_of, store_changes
from services.scoring.service.common import Dependencies
from services.scoring.service.recompute import Touched, recompute_touched
from services.scoring.service.unit_of_work import AbstractUnitOfWork

log = get_logger("scoring.resync")
PERIOD_CLOSED = "PeriodClosed"


async def apply_snapshot_chunk(deps: Dependencies, uow: AbstractUnitOfWork, envs: list[Envelope]) -> int:
    """Apply snapshot envelopes as the consumer would (latest version wins, so a fact already held
    is a no-op), recompute the units they changed in the same transaction (UnitScoreUpdated goes
    out through the outbox as after any batch) and return how many facts changed.

    A lost PeriodClosed is repaired too: a period the snapshot says is closed but that has no graded
    snapshot here is queued for closing (the close reconciles with every source first). A snapshot
    envelope our rules refuse is logged and skipped, as the consumer would have parked it.
    """
    changes, repaired = [], 0
    for env in envs:
        try:
            trouble = message_problem(payload_of(env))
            if trouble is not None:
                raise ValueError(trouble)
            if env.type == PERIOD_CLOSED:
                repaired += await _closed_period(deps, uow, env)
                continue
            change = change_of(env, from_snapshot=True)
        except (JixiaoError, ValueError) as exc:
            log.warning("scoring.resync_refused", event_id=env.event_id, type=env.type, error=str(exc))
            continue
        if change is not None:
            changes.append(change)
    touched, stored = Touched(), await store_changes(uow.repo, changes)
    for touch, env in stored:
        touched.add(touch, env)
    await recompute_touched(deps, uow, touched, label="resync")
    return repaired + len(stored)


async def _closed_period(deps: Dependencies, uow: AbstractUnitOfWork, env: Envelope) -> int:
    """Queue the close of a graded period that has no graded snapshot yet; 1 if queued."""
    p = payload_of(env)
    plan_id = p.plan_id or env.plan_id
    plan_row = await uow.repo.plan_row(plan_id)
    if p.period not in PERIODS or plan_row is None or not deps.plans.of(plan_row).is_graded(p.period):
        return 0  # unknown period, plan not known yet, or a progress check (never graded)
    if await uow.repo.snapshot(plan_id, p.period) is not None:
        return 0
    await uow.repo.request_close(plan_id, p.period, p.closed_by or "indicators")
    log.info("scoring.resync_close_requested", plan=plan_id, period=p.period)
    return 1

"""The Kafka side: apply each source event to the fact tables; recompute touched units per batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.messaging.inbox import BrokerLoss
from jixiao.snapshots import known_plans, lost_sources, resync_plans
from jixiao.validation import message_problem
from services.scoring.adapters import orm
from services.scoring.adapters.repository import SqlAlchemyScoringRepository
from services.scoring.adapters.source_events import Change, change_of, store_changes
from services.scoring.service.common import Dependencies
from services.scoring.service.recompute import Touched, recompute_touched
from services.scoring.service.resync import apply_snapshot_chunk
from services.scoring.service.unit_of_work import ScoringBatchUnitOfWork

if TYPE_CHECKING:
    from jixiao.runtime import Runtime


class ScoringEventHandler:
    """EventHandler of the kernel's BatchApplier (one instance per consumer)."""

    def __init__(self, runtime: Runtime, deps: Dependencies) -> None:
        self.runtime = runtime
        self.deps = deps
        self.pending: dict[str, Change] = {}  # this batch's changes by event id, in arrival order

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        """Check the event and turn it into the change it asks for; after_batch stores the batch's
        changes together. A payload that cannot be stored, or a value that slipped past a source's
        edge (a decimal out of range or precision), is refused here, as a poison event, so it cannot
        stall the arithmetic. Keyed by event id, so the kernel applying an event again after a
        savepoint rolled back (to park a poison neighbour) changes nothing."""
        trouble = message_problem(payload_of(env))
        if trouble is not None:
            raise InvalidInput(f"event {env.event_id} ({env.type}): {trouble}")
        change = change_of(env)
        if change is not None:
            self.pending[env.event_id] = change

    async def after_batch(self, session: AsyncSession) -> None:
        """Store the batch's facts (a few statements per batch, latest version wins), then recompute
        only the units they changed, in the batch's transaction (outbox included). A database error
        caused by one event's data surfaces here: the kernel splits the batch and parks that one."""
        changes, self.pending = list(self.pending.values()), {}
        touched = Touched()
        for touch, env in await store_changes(SqlAlchemyScoringRepository(session), changes):
            touched.add(touch, env)
        await recompute_touched(self.deps, ScoringBatchUnitOfWork(self.runtime, session), touched)

    async def resync(self, loss: BrokerLoss) -> dict[str, int]:
        """The broker lost source events: read every plan scoring knows from the sources' snapshots
        again (facts by version, so what we hold is a no-op) and recompute what changed; returns
        the facts repaired per source. An unreachable source raises: the kernel retries the loss."""
        sources = lost_sources(loss) - {"scoring"}  # scoring reads the three source topics only
        async with self.runtime.db.transaction() as session:
            plans = await known_plans(session, orm.messaging, sa.select(orm.plans.c.plan_id))
        return await resync_plans(self.runtime.db, self.deps.clients, sources, plans, self._apply_chunk)

    async def _apply_chunk(self, session: AsyncSession, source: str, plan_id: str, envs: list[Envelope]) -> int:
        return await apply_snapshot_chunk(self.deps, ScoringBatchUnitOfWork(self.runtime, session), envs)

"""The Kafka side: apply each source event to the fact tables; recompute touched units per batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.validation import message_problem
from services.scoring.adapters.repository import SqlAlchemyScoringRepository
from services.scoring.adapters.source_events import apply_event
from services.scoring.service.common import Dependencies
from services.scoring.service.recompute import Touched, recompute_touched
from services.scoring.service.unit_of_work import ScoringBatchUnitOfWork

if TYPE_CHECKING:
    from jixiao.runtime import Runtime


class ScoringEventHandler:
    """EventHandler of the kernel's BatchApplier (one instance per consumer)."""

    def __init__(self, runtime: Runtime, deps: Dependencies) -> None:
        self.runtime = runtime
        self.deps = deps
        self.touched = Touched()

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        """Store the event's fact (latest version wins); remember the unit for after_batch.
        A value that slipped past a source's edge (a decimal out of range or precision) is refused
        here too, as a poison event, so it cannot stall the arithmetic."""
        trouble = message_problem(payload_of(env))
        if trouble is not None:
            raise InvalidInput(f"event {env.event_id} ({env.type}): {trouble}")
        touch = await apply_event(SqlAlchemyScoringRepository(session), env)
        if touch is not None:
            self.touched.add(touch, env)

    async def after_batch(self, session: AsyncSession) -> None:
        """Recompute only the units this batch touched, in the batch's transaction (outbox included)."""
        touched, self.touched = self.touched, Touched()
        await recompute_touched(self.deps, ScoringBatchUnitOfWork(self.runtime, session), touched)

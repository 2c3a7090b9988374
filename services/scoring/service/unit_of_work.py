"""Units of work of the scoring service: its own transaction, or the consumer batch's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope
from jixiao.uow import SqlAlchemyUnitOfWork
from services.scoring.adapters.repository import SqlAlchemyScoringRepository

if TYPE_CHECKING:
    from jixiao.runtime import Runtime


class ScoringUnitOfWork(SqlAlchemyUnitOfWork):
    """`async with uow:` … `await uow.commit()`; `uow.repo` stores facts, scores and snapshots."""

    repo: SqlAlchemyScoringRepository

    async def __aenter__(self) -> ScoringUnitOfWork:
        await super().__aenter__()
        assert self.session is not None
        self.repo = SqlAlchemyScoringRepository(self.session)
        return self


class BatchUnitOfWork:
    """The same interface over a transaction someone else owns (the consumer's batch): no commit here."""

    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.runtime = runtime
        self.session = session
        self.repo = SqlAlchemyScoringRepository(session)
        self.events: list[Envelope] = []

    async def emit(self, payload: Message, *, plan_id: str, unit_id: str = "", aggregate_id: str = "",
                   version: int = 0) -> Envelope:
        """Write an event into the batch transaction's outbox."""
        assert self.runtime.outbox is not None
        env = await self.runtime.outbox.add(self.session, payload, plan_id=plan_id, unit_id=unit_id,
                                            aggregate_id=aggregate_id, version=version)
        self.events.append(env)
        return env

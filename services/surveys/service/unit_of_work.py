"""The surveys unit of work: one transaction, its repository and its outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope
from jixiao.uow import SqlAlchemyUnitOfWork
from services.surveys.adapters.repository import AbstractSurveysRepository, SqlAlchemySurveysRepository

if TYPE_CHECKING:
    from jixiao.runtime import Runtime


class SurveysUnitOfWork(SqlAlchemyUnitOfWork):
    """`async with uow:` gives `uow.repo`; `await uow.emit(...)` writes an event; `await uow.commit()`."""

    repo: AbstractSurveysRepository

    async def __aenter__(self):
        await super().__aenter__()
        assert self.session is not None
        self.repo = SqlAlchemySurveysRepository(self.session)
        return self


class SurveysBatchUnitOfWork:
    """The same `repo` and `emit` over a transaction the consumer's batch owns: it commits, not us."""

    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.runtime = runtime
        self.session = session
        self.repo: AbstractSurveysRepository = SqlAlchemySurveysRepository(session)
        self.events: list[Envelope] = []

    async def emit(self, payload: Message, *, plan_id: str, unit_id: str = "", aggregate_id: str = "",
                   version: int = 0) -> Envelope:
        """Write an event into the batch transaction's outbox."""
        assert self.runtime.outbox is not None
        env = await self.runtime.outbox.add(self.session, payload, plan_id=plan_id, unit_id=unit_id,
                                            aggregate_id=aggregate_id, version=version)
        self.events.append(env)
        return env

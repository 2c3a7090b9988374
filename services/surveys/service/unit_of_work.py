"""The surveys unit of work: the port the use cases need, and its SQL adapters (one transaction,
its repository and its outbox)."""

from __future__ import annotations

import abc
from typing import Any

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope
from jixiao.uow import BatchUnitOfWork, SqlAlchemyUnitOfWork
from services.surveys.adapters.repository import AbstractSurveysRepository, SqlAlchemySurveysRepository


class AbstractUnitOfWork(abc.ABC):
    """What the use cases need: `repo`, `emit` (outbox), `audit` (the audit chain); commit,
    or roll back on leaving without it."""

    repo: AbstractSurveysRepository

    @abc.abstractmethod
    async def __aenter__(self): ...

    @abc.abstractmethod
    async def __aexit__(self, *exc) -> None: ...

    @abc.abstractmethod
    async def commit(self) -> None: ...

    @abc.abstractmethod
    async def emit(
        self, payload: Message, *, plan_id: str, unit_id: str = "", aggregate_id: str = "", version: int = 0
    ) -> Envelope: ...

    @abc.abstractmethod
    async def audit(
        self, action: str, *, entity_type: str, entity_id: str, after: Any = None, before: Any = None
    ) -> None:
        """Append a state change that emits no event to the audit chain, in this transaction
        (personal data masked; an event's own audit row is written by `emit`)."""


class _SurveysRepositories:
    """`uow.repo` holds plans, rounds, frames, samples, fieldwork, responses and scores."""

    repo: AbstractSurveysRepository

    def bind(self, session: AsyncSession) -> None:
        self.repo = SqlAlchemySurveysRepository(session)


class SqlAlchemySurveysUnitOfWork(_SurveysRepositories, SqlAlchemyUnitOfWork, AbstractUnitOfWork):
    """`async with uow:` gives `uow.repo`; `await uow.emit(...)` writes an event; `await uow.commit()`."""


class SurveysBatchUnitOfWork(_SurveysRepositories, BatchUnitOfWork, AbstractUnitOfWork):
    """The same `repo` and `emit` over a transaction the consumer's batch owns: it commits, not us."""

"""Units of work of the scoring service: the port, its own transaction, or the consumer batch's transaction."""

from __future__ import annotations

import abc
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope
from jixiao.uow import BatchUnitOfWork, SqlAlchemyUnitOfWork
from services.scoring.adapters.held_facts import AbstractHeldFacts, SqlAlchemyHeldFacts
from services.scoring.adapters.repository import AbstractScoringRepository, SqlAlchemyScoringRepository


class AbstractUnitOfWork(abc.ABC):
    """What the use cases need: `uow.repo`, `uow.held` (the held facts, for consistency), `emit` (the
    outbox of this transaction) and commit.

    `async with uow:` opens the transaction; leaving it without `await uow.commit()` rolls back.
    """

    repo: AbstractScoringRepository
    held: AbstractHeldFacts

    @abc.abstractmethod
    async def __aenter__(self) -> Self: ...

    @abc.abstractmethod
    async def __aexit__(self, *exc: Any) -> None: ...

    @abc.abstractmethod
    async def commit(self) -> None:
        """Commit the stored state and the emitted events together."""

    @abc.abstractmethod
    async def emit(
        self, payload: Any, *, plan_id: str, unit_id: str = "", aggregate_id: str = "", version: int = 0
    ) -> Envelope:
        """Write an event into this transaction's outbox."""

    async def emit_many(self, items: list[tuple[Any, dict[str, Any]]]) -> list[Envelope]:
        """Write many events (payload, emit()'s keyword arguments) in order; the kernel's unit of work
        does it with one outbox insert and one audit append."""
        return [await self.emit(payload, **kwargs) for payload, kwargs in items]

    async def audit(  # noqa: B027 - a fake without a chain records nothing
        self, action: str, *, entity_type: str, entity_id: str, after: Any = None, before: Any = None
    ) -> None:
        """Append a state change that emits no event of its own to the audit chain (jixiao.uow)."""


class _ScoringRepositories:
    """`uow.repo` stores facts, scores and snapshots; `uow.held` reads the facts as the digest wants them."""

    repo: AbstractScoringRepository
    held: AbstractHeldFacts

    def bind(self, session: AsyncSession) -> None:
        self.repo = SqlAlchemyScoringRepository(session)
        self.held = SqlAlchemyHeldFacts(session)


class SqlAlchemyScoringUnitOfWork(_ScoringRepositories, SqlAlchemyUnitOfWork, AbstractUnitOfWork):
    """`async with uow:` … `await uow.commit()` in its own transaction."""


class ScoringBatchUnitOfWork(_ScoringRepositories, BatchUnitOfWork, AbstractUnitOfWork):
    """The same repositories inside the consumer batch's transaction (the batch commits)."""

"""Units of work of the scoring service: its own transaction, or the consumer batch's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.uow import BatchUnitOfWork, SqlAlchemyUnitOfWork
from services.scoring.adapters.repository import SqlAlchemyScoringRepository


class _ScoringRepositories:
    """`uow.repo` stores facts, scores and snapshots."""

    repo: SqlAlchemyScoringRepository

    def bind(self, session: AsyncSession) -> None:
        self.repo = SqlAlchemyScoringRepository(session)


class SqlAlchemyScoringUnitOfWork(_ScoringRepositories, SqlAlchemyUnitOfWork):
    """`async with uow:` … `await uow.commit()` in its own transaction."""


class ScoringBatchUnitOfWork(_ScoringRepositories, BatchUnitOfWork):
    """The same repositories inside the consumer batch's transaction (the batch commits)."""

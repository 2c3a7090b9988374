"""The surveys unit of work: one transaction, its repository and its outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.uow import BatchUnitOfWork, SqlAlchemyUnitOfWork
from services.surveys.adapters.repository import AbstractSurveysRepository, SqlAlchemySurveysRepository


class _SurveysRepositories:
    """`uow.repo` holds plans, rounds, frames, samples, fieldwork, responses and scores."""

    repo: AbstractSurveysRepository

    def bind(self, session: AsyncSession) -> None:
        self.repo = SqlAlchemySurveysRepository(session)


class SqlAlchemySurveysUnitOfWork(_SurveysRepositories, SqlAlchemyUnitOfWork):
    """`async with uow:` gives `uow.repo`; `await uow.emit(...)` writes an event; `await uow.commit()`."""


class SurveysBatchUnitOfWork(_SurveysRepositories, BatchUnitOfWork):
    """The same `repo` and `emit` over a transaction the consumer's batch owns: it commits, not us."""

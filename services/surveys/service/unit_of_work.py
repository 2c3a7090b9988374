"""The surveys unit of work: one transaction, its repository and its outbox."""

from __future__ import annotations

from jixiao.uow import SqlAlchemyUnitOfWork
from services.surveys.adapters.repository import AbstractSurveysRepository, SqlAlchemySurveysRepository


class SurveysUnitOfWork(SqlAlchemyUnitOfWork):
    """`async with uow:` gives `uow.repo`; `await uow.emit(...)` writes an event; `await uow.commit()`."""

    repo: AbstractSurveysRepository

    async def __aenter__(self):
        await super().__aenter__()
        assert self.session is not None
        self.repo = SqlAlchemySurveysRepository(self.session)
        return self

"""The reports unit of work: one transaction with the read-model repository on it."""

from __future__ import annotations

from jixiao.uow import SqlAlchemyUnitOfWork
from services.reports.adapters.repository import AbstractReadModel, SqlAlchemyReadModel


class ReportsUnitOfWork(SqlAlchemyUnitOfWork):
    """`async with uow:` gives `uow.reports`; reads need no commit, label changes do."""

    reports: AbstractReadModel

    async def __aenter__(self):
        await super().__aenter__()
        assert self.session is not None
        self.reports = SqlAlchemyReadModel(self.session)
        return self

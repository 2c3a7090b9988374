"""The reports unit of work: one transaction with the read-model repository on it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.uow import SqlAlchemyUnitOfWork
from services.reports.adapters.people_repository import AbstractPeopleReadModel, SqlAlchemyPeopleReadModel
from services.reports.adapters.repository import AbstractReadModel
from services.reports.adapters.sql_read_model import SqlAlchemyReadModel


class SqlAlchemyReportsUnitOfWork(SqlAlchemyUnitOfWork):
    """`async with uow:` gives `uow.reports`; reads need no commit, label changes do."""

    reports: AbstractReadModel
    people: AbstractPeopleReadModel

    def bind(self, session: AsyncSession) -> None:
        self.reports = SqlAlchemyReadModel(session)
        self.people = SqlAlchemyPeopleReadModel(session)

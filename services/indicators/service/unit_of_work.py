"""The unit of work of the indicators service: repositories and the outbox in one transaction."""

from __future__ import annotations

import abc
import zlib
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.uow import BatchUnitOfWork, SqlAlchemyUnitOfWork
from services.indicators.adapters import orm
from services.indicators.adapters.repository import (
    AbstractEvidenceRepository,
    AbstractRepository,
    SqlAlchemyEvidenceRepository,
    SqlAlchemyRepository,
)
from services.indicators.domain import model


class AbstractUnitOfWork(abc.ABC):
    """What handlers need: repositories, `emit` into the outbox, `commit`."""

    plans: AbstractRepository[model.Plan]
    plan_versions: AbstractRepository[model.PlanVersion]
    units: AbstractRepository[model.Unit]
    targets: AbstractRepository[model.Target]
    results: AbstractRepository[model.Result]
    result_entries: AbstractRepository[model.ResultEntry]
    periods: AbstractRepository[model.Period]
    tasks: AbstractRepository[model.Task]
    reports: AbstractRepository[model.SelfReport]
    staff: AbstractRepository[model.StaffRef]
    evidence: AbstractEvidenceRepository[model.Evidence]

    async def __aenter__(self) -> AbstractUnitOfWork:
        raise NotImplementedError

    async def __aexit__(self, *exc: Any) -> None:
        raise NotImplementedError

    async def emit(
        self, payload: Message, *, plan_id: str, unit_id: str = "", aggregate_id: str = "", version: int = 0
    ) -> Any:
        """Write an event to the outbox in this transaction; returns its envelope."""
        raise NotImplementedError

    async def emit_many(self, items: list[tuple[Message, dict[str, Any]]]) -> list[Any]:
        """Write many events (payload, emit()'s keyword arguments) in order; the database unit of work
        does it in one statement."""
        return [await self.emit(payload, **kwargs) for payload, kwargs in items]

    async def commit(self) -> None:
        raise NotImplementedError

    async def lock_period(self, plan_id: str, period: str, *, exclusive: bool = False) -> None:  # noqa: B027
        """Hold a period of a plan until this transaction ends: shared by writes into the period,
        exclusive for closing it. Nothing to hold in a single-threaded fake."""


_REPOSITORIES = {
    "plans": (orm.plans, model.Plan),
    "plan_versions": (orm.plan_versions, model.PlanVersion),
    "units": (orm.units, model.Unit),
    "targets": (orm.targets, model.Target),
    "results": (orm.results, model.Result),
    "result_entries": (orm.result_entries, model.ResultEntry),
    "periods": (orm.periods, model.Period),
    "tasks": (orm.tasks, model.Task),
    "reports": (orm.self_reports, model.SelfReport),
    "staff": (orm.staff, model.StaffRef),
    "evidence": (orm.evidence, model.Evidence),
}


_PERIOD_LOCK_NS = 0x6970  # "ip": advisory-lock namespace of the indicators' (plan, period) locks


class SqlAlchemyIndicatorsUnitOfWork(SqlAlchemyUnitOfWork, AbstractUnitOfWork):
    """The kernel's unit of work with this service's repositories on its session."""

    async def lock_period(self, plan_id: str, period: str, *, exclusive: bool = False) -> None:
        # A transaction-scoped advisory lock: a close waits for the writes already in the period,
        # and writes that come after it see the period closed.
        assert self.session is not None
        lock = sa.func.pg_advisory_xact_lock if exclusive else sa.func.pg_advisory_xact_lock_shared
        key = zlib.crc32(f"{plan_id}/{period}".encode()) - 2**31
        await self.session.execute(sa.select(lock(_PERIOD_LOCK_NS, key)))

    def bind(self, session: AsyncSession) -> None:
        _bind(self, session)


def _bind(uow: AbstractUnitOfWork, session: AsyncSession) -> None:
    for name, (table, cls) in _REPOSITORIES.items():
        setattr(uow, name, SqlAlchemyRepository(session, table, cls))
    uow.evidence = SqlAlchemyEvidenceRepository(session, orm.evidence, model.Evidence)


class IndicatorsBatchUnitOfWork(BatchUnitOfWork, AbstractUnitOfWork):
    """The same repositories over a transaction the consumer's batch owns: it commits, not us."""

    def bind(self, session: AsyncSession) -> None:
        _bind(self, session)

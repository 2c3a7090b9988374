"""The unit of work of the inspections service: repositories, events and audit in one transaction."""

from __future__ import annotations

import abc
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope
from jixiao.uow import SqlAlchemyUnitOfWork
from services.inspections.adapters import orm
from services.inspections.adapters.repository import (
    AbstractAuditLog,
    AbstractEvidenceStore,
    AbstractPlans,
    AbstractRecords,
    AbstractUnits,
    SqlAlchemyAppeals,
    SqlAlchemyAuditLog,
    SqlAlchemyEvidenceStore,
    SqlAlchemyInspections,
    SqlAlchemyLeaves,
    SqlAlchemyPlans,
    SqlAlchemyRecords,
    SqlAlchemyUnits,
)
from services.inspections.domain.model import Absence, Appeal, Deduction, Leave, Veto
from services.inspections.domain.staff import StaffMember


def utcnow() -> datetime:
    return datetime.now(UTC)


class AbstractUnitOfWork(abc.ABC):
    """What the handlers need: repositories, `emit` (outbox), `lock_plan`, a clock; commit or roll back."""

    plans: AbstractPlans
    units: AbstractUnits
    deductions: AbstractRecords
    vetoes: AbstractRecords
    appeals: AbstractRecords
    inspections: AbstractRecords  # save writes the visit's own columns; findings: add_finding / save_finding
    evidence: AbstractEvidenceStore
    absences: AbstractRecords
    leaves: AbstractRecords
    staff: AbstractRecords  # the staff register (干部职工)
    audit: AbstractAuditLog
    clock: Callable[[], datetime] = staticmethod(utcnow)

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

    async def emit_many(self, items: list[tuple[Message, dict[str, Any]]]) -> list[Envelope]:
        """Write many events (payload, emit()'s keyword arguments) in order; the database unit of work
        (the kernel's) does it with one outbox statement and one audit append."""
        return [await self.emit(payload, **kwargs) for payload, kwargs in items]

    @abc.abstractmethod
    async def lock_plan(self, plan_id: str) -> None:
        """Serialize writers of one plan until the end of the transaction (versions, one open appeal)."""

    @abc.abstractmethod
    async def position(self, plan_id: str) -> int:
        """How many events have been committed for the plan."""


class SqlAlchemyInspectionsUnitOfWork(SqlAlchemyUnitOfWork, AbstractUnitOfWork):
    """The kernel's unit of work with this service's repositories."""

    def bind(self, s: AsyncSession) -> None:
        self.plans = SqlAlchemyPlans(s)
        self.units = SqlAlchemyUnits(s)
        self.deductions = SqlAlchemyRecords(s, orm.deductions, Deduction)
        self.vetoes = SqlAlchemyRecords(s, orm.vetoes, Veto)
        self.appeals = SqlAlchemyAppeals(s, orm.appeals, Appeal)
        self.inspections = SqlAlchemyInspections(s)
        self.evidence = SqlAlchemyEvidenceStore(s)
        self.absences = SqlAlchemyRecords(s, orm.absences, Absence)
        self.leaves = SqlAlchemyLeaves(s, orm.leaves, Leave)
        self.staff = SqlAlchemyRecords(s, orm.staff, StaffMember)
        self.audit = SqlAlchemyAuditLog(s)

    async def lock_plan(self, plan_id: str) -> None:
        key = zlib.crc32(f"inspections:{plan_id}".encode())
        await self.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    async def position(self, plan_id: str) -> int:
        return await self.runtime.outbox.position(self.session, plan_id)

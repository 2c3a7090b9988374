"""Read-only use cases every area shares: a page of records of one kind, and the audit log."""

from __future__ import annotations

from typing import Any

from services.inspections.adapters.repository import ListFilter
from services.inspections.domain.model import AuditEntry
from services.inspections.service.unit_of_work import AbstractUnitOfWork


async def list_records(
    uow: AbstractUnitOfWork, repo: str, plan_id: str, f: ListFilter, *, limit: int | None = None, offset: int = 0
) -> tuple[list[Any], int]:
    """A page of deductions, vetoes, appeals, inspections, absences or leaves, and the number matching."""
    async with uow:
        records = getattr(uow, repo)
        return await records.list(plan_id, f, limit=limit, offset=offset), await records.count(plan_id, f)


async def audit_log(
    uow: AbstractUnitOfWork, plan_id: str, f: ListFilter, *, limit: int, offset: int
) -> list[AuditEntry]:
    async with uow:
        return await uow.audit.list(plan_id, f, limit=limit, offset=offset)

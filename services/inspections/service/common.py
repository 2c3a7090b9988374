"""Helpers every area's use cases share: ids, input problems, the audit row, loading the plan, checks."""

from __future__ import annotations

import uuid
from decimal import Decimal

from jixiao.logging import current_trace_id
from services.inspections.domain import rules
from services.inspections.domain.errors import FieldProblem, InvalidInput, PlanNotConfigured, RecordNotFound
from services.inspections.domain.model import AuditEntry, PlanSettings
from services.inspections.service.unit_of_work import AbstractUnitOfWork


def new_id() -> str:
    return str(uuid.uuid4())


def invalid(path: str, message: str) -> InvalidInput:
    """One bad field as an InvalidInput (422)."""
    return InvalidInput(f"{path}: {message}", problems=[FieldProblem(path, message)])


async def write_audit(
    uow: AbstractUnitOfWork,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    plan_id: str,
    before: dict | None,
    after: dict | None,
    reason: str = "",
) -> None:
    """One audit row (who, what, the state before and after, why) in the use case's transaction."""
    await uow.audit.add([audit_entry(uow, actor, action, entity_type, entity_id, plan_id, before, after, reason)])


def audit_entry(
    uow: AbstractUnitOfWork,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    plan_id: str,
    before: dict | None,
    after: dict | None,
    reason: str = "",
) -> AuditEntry:
    """The row `write_audit` writes, stamped now (a bulk import writes many with one `uow.audit.add`)."""
    return AuditEntry(
        actor,
        action,
        entity_type,
        entity_id,
        plan_id,
        before,
        after,
        at=uow.clock(),
        trace_id=current_trace_id(),
        reason=reason,
    )


async def load_settings(uow: AbstractUnitOfWork, plan_id: str) -> PlanSettings:
    settings = await uow.plans.get(plan_id)
    if settings is None:
        raise PlanNotConfigured(plan_id)
    return settings


async def check_unit(uow: AbstractUnitOfWork, plan_id: str, unit_id: str) -> None:
    """A plan that knows its units (from an import) refuses others; one that does not accepts any."""
    if not unit_id.strip():
        raise invalid("unit_id", "a unit is required")
    known = await uow.units.ids(plan_id)
    if known and unit_id not in known:
        raise invalid("unit_id", f"unknown unit {unit_id!r} in plan {plan_id!r}")


def check_points(points: Decimal, path: str = "points") -> None:
    if not points.is_finite() or points <= 0:
        raise invalid(path, f"points must be > 0, got {points}")


async def end_record(
    uow: AbstractUnitOfWork,
    actor: str,
    kind: str,
    plan_id: str,
    record_id: str,
    expected_version: int | None,
    reason: str,
    emit,
    action: str,
):
    """Revoke a deduction or lift a veto: lock the plan, load the record (404), check an If-Match
    when given (412), emit the ending event (which refuses a second end), save, audit, commit."""
    if not reason.strip():
        raise invalid("reason", f"a reason is required to end a {kind}")
    async with uow:
        repo = uow.deductions if kind == "deduction" else uow.vetoes
        await uow.lock_plan(plan_id)
        record = await repo.get(plan_id, record_id, lock=True)
        if record is None:
            raise RecordNotFound(kind, plan_id, record_id)
        rules.check_version_if_given(record.version, expected_version, f"{kind} {record.id}")
        before = record.as_dict()
        await emit(uow, record, reason.strip())
        await repo.save(record)
        await write_audit(uow, actor, action, kind, record.id, plan_id, before, record.as_dict())
        await uow.commit()
    return record

"""Helpers every area's use cases share: ids, input problems, the audit row, loading the plan, checks."""

from __future__ import annotations

import uuid
from decimal import Decimal

from jixiao.logging import current_trace_id
from services.inspections.domain.errors import FieldProblem, InvalidInput, PlanNotConfigured
from services.inspections.domain.model import AuditEntry, PlanSettings
from services.inspections.service.unit_of_work import AbstractUnitOfWork


def new_id() -> str:
    return str(uuid.uuid4())


def invalid(path: str, message: str) -> InvalidInput:
    """One bad field as an InvalidInput (422)."""
    return InvalidInput(f"{path}: {message}", problems=[FieldProblem(path, message)])


async def write_audit(uow: AbstractUnitOfWork, actor: str, action: str, entity_type: str, entity_id: str,
                      plan_id: str, before: dict | None, after: dict | None, reason: str = "") -> None:
    """One audit row (who, what, the state before and after, why) in the use case's transaction."""
    await uow.audit.add([AuditEntry(actor, action, entity_type, entity_id, plan_id, before, after,
                                    at=uow.clock(), trace_id=current_trace_id(), reason=reason)])


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

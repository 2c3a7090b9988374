"""Loading helpers shared by the use cases (each raises the right NotFound)."""

from __future__ import annotations

import datetime as dt

from services.indicators.domain.errors import PeriodIsClosed, PlanNotFound, UnitNotFound
from services.indicators.domain.model import Plan, Unit

from .unit_of_work import AbstractUnitOfWork


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def load_plan(uow: AbstractUnitOfWork, plan_id: str, *, for_update: bool = False) -> Plan:
    plan = await uow.plans.get(plan_id, for_update=for_update)
    if plan is None:
        raise PlanNotFound(f"no plan {plan_id!r}")
    return plan


async def load_unit(uow: AbstractUnitOfWork, plan_id: str, unit_id: str, *, for_update: bool = False) -> Unit:
    unit = await uow.units.get(plan_id, unit_id, for_update=for_update)
    if unit is None:
        raise UnitNotFound(f"no unit {unit_id!r} in plan {plan_id!r}")
    return unit


async def require_open(uow: AbstractUnitOfWork, plan_id: str, period: str) -> None:
    """Refuse a write into a closed period; an open one stays open until this transaction ends
    (`close_period` waits for it), so no write lands after the period's PeriodClosed."""
    await uow.lock_period(plan_id, period)
    if await uow.periods.get(plan_id, period) is not None:
        raise PeriodIsClosed(f"period {period} of plan {plan_id!r} is closed")

"""Use cases for self-assessment reports (自评报告): submitted per unit and period, late ones flagged."""

from __future__ import annotations

import datetime as dt

from services.indicators.domain import rules
from services.indicators.domain.model import SelfReport

from .common import load_plan, load_unit, require_open, utcnow
from .unit_of_work import AbstractUnitOfWork


async def submit_report(
    uow: AbstractUnitOfWork, plan_id: str, unit_id: str, period: str, text: str, now: dt.datetime | None = None
) -> SelfReport:
    """Submit (or resubmit, until the period closes) a report; late when after the plan's deadline."""
    now = now or utcnow()
    rules.check_period(period)
    text = rules.require_reason(text, "text")
    async with uow:
        plan = await load_plan(uow, plan_id)
        rules.require_published(plan)
        await load_unit(uow, plan_id, unit_id)
        await require_open(uow, plan_id, period)
        old = await uow.reports.get(plan_id, unit_id, period, for_update=True)
        deadline = rules.report_deadline(plan, period)
        report = SelfReport(
            plan_id, unit_id, period, text, now, deadline, rules.is_late(now, deadline), old.revision + 1 if old else 1
        )
        await uow.reports.save(report)
        await uow.commit()
    return report


async def list_reports(
    uow: AbstractUnitOfWork,
    plan_id: str,
    *,
    period: str | None,
    late: bool | None,
    limit: int,
    offset: int,
    units: frozenset[str] | None = None,
) -> tuple[list[SelfReport], int]:
    """A page of the plan's reports; `units` narrows them to these units (None: every unit)."""
    async with uow:
        await load_plan(uow, plan_id)
        where = {"plan_id": plan_id, "period": period, "late": late, "unit_id": units}
        return await uow.reports.find(limit=limit, offset=offset, **where), await uow.reports.count(**where)

"""Reminders before an appraisal: units that still owe results for a graded period ending soon."""

from __future__ import annotations

import datetime as dt

from services.indicators.domain import reminders as rules

from .common import load_plan
from .unit_of_work import AbstractUnitOfWork


async def list_reminders(
    uow: AbstractUnitOfWork, plan_id: str, as_of: dt.date, within_days: int
) -> list[rules.Reminder]:
    """For each appraised period ending within `within_days` of `as_of`: the units with leaves not
    entered or not confirmed (a unit with everything confirmed is not listed)."""
    async with uow:
        plan = await load_plan(uow, plan_id)
        due = rules.due_periods(plan, as_of, within_days)
        if not due:
            return []
        units = await uow.units.find(plan_id=plan_id)
        out: list[rules.Reminder] = []
        for period, ends_on in due:
            results = await uow.results.find(plan_id=plan_id, period=period)
            out += rules.reminders(plan, units, results, period, ends_on)
        return out

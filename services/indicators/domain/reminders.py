"""Reminders before an appraisal (考评提醒): which units have not entered or not had confirmed the
results of a graded period that ends soon. Pure: no I/O.

A plan appraises the year and the periods it lists in `graded_periods` (the transport bureau: the
ends of March, June, September and December); each ends on the last day of its last month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from jixiao.rules.periods import PERIODS, period_dates

from .model import CONFIRMED, Plan, Result, Unit


@dataclass(frozen=True)
class Reminder:
    """One unit's gaps in one period: leaves (`leaf` or `leaf#part`) with no result, or not confirmed."""

    period: str
    ends_on: dt.date
    unit_id: str
    unit_name: str
    missing: tuple[str, ...]
    unconfirmed: tuple[str, ...]


def appraised_periods(plan: Plan) -> tuple[str, ...]:
    """The year and the plan's `graded_periods`, in period order."""
    listed = plan.body.get("graded_periods")
    listed = set(listed) if isinstance(listed, list) else set()
    return tuple(p for p in PERIODS if p == "Y" or p in listed)


def due_periods(plan: Plan, as_of: dt.date, within_days: int) -> list[tuple[str, dt.date]]:
    """The appraised periods that end between `as_of` and `within_days` days later (both included)."""
    horizon = as_of + dt.timedelta(days=within_days)
    out = []
    for period in appraised_periods(plan):
        ends_on = period_dates(period, plan.year)[1]
        if as_of <= ends_on <= horizon:
            out.append((period, ends_on))
    return out


def expected_keys(plan: Plan, unit: Unit) -> list[str]:
    """What a unit must report: each leaf that applies to its kind, a composite leaf once per part."""
    parents = {n.get("parent") for n in plan.indicators}
    keys = []
    for node in plan.indicators:
        if node.get("id") in parents or not isinstance(node.get("method"), dict):
            continue
        applies = node.get("applies_to")
        if isinstance(applies, list) and unit.kind not in applies:
            continue
        parts = node["method"].get("parts") if node["method"].get("type") == "composite" else None
        if isinstance(parts, list):
            keys += [f"{node['id']}#{p.get('key')}" for p in parts if isinstance(p, dict)]
        else:
            keys.append(node["id"])
    return keys


def reminders(
    plan: Plan, units: Iterable[Unit], results: Iterable[Result], period: str, ends_on: dt.date
) -> list[Reminder]:
    """Every unit with a leaf of `period` that has no result or an unconfirmed one, by unit id."""
    status: dict[tuple[str, str], str] = {}
    for r in results:
        if r.period == period:
            status[(r.unit_id, f"{r.indicator_id}#{r.part}" if r.part else r.indicator_id)] = r.status
    out = []
    for unit in sorted(units, key=lambda u: u.id):
        keys = expected_keys(plan, unit)
        missing = tuple(k for k in keys if (unit.id, k) not in status)
        unconfirmed = tuple(k for k in keys if status.get((unit.id, k), CONFIRMED) != CONFIRMED)
        if missing or unconfirmed:
            out.append(Reminder(period, ends_on, unit.id, unit.name, missing, unconfirmed))
    return out

"""Use cases for task decomposition (任务分解): a leaf's target split into tasks with quarterly progress.

Tasks are planned once the plan is published (they decompose its leaves and targets); reading them
needs only the plan. "Overdue" depends on the day, so it is judged on `today` (default: the date).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from services.indicators.domain import rules, task_reporting
from services.indicators.domain import tasks as task_rules
from services.indicators.domain.errors import TaskNotFound
from services.indicators.domain.model import Plan, Task

from .common import load_plan, utcnow
from .staff import staff_lookup
from .unit_of_work import AbstractUnitOfWork


def new_task_id(now: dt.datetime) -> str:
    """A UUIDv7-style id: time-ordered, so listing by id lists tasks in creation order."""
    ms = int(now.timestamp() * 1000) & (1 << 48) - 1
    rand_a, rand_b = secrets.randbits(12), secrets.randbits(62)
    return str(uuid.UUID(int=ms << 80 | 7 << 76 | rand_a << 64 | 2 << 62 | rand_b))


async def _unit(uow: AbstractUnitOfWork, plan_id: str, spec: dict[str, Any]):
    return await uow.units.get(plan_id, spec["unit"]) if spec.get("unit") else None


async def _load(uow: AbstractUnitOfWork, plan_id: str, task_id: str, *, for_update: bool = False) -> Task:
    task = await uow.tasks.get(task_id, for_update=for_update)
    if task is None or task.plan_id != plan_id:
        raise TaskNotFound(f"no task {task_id!r} in plan {plan_id!r}")
    return task


async def _for_change(uow: AbstractUnitOfWork, plan_id: str, task_id: str, expected: int | None) -> tuple[Plan, Task]:
    plan = await load_plan(uow, plan_id)
    task = await _load(uow, plan_id, task_id, for_update=True)
    rules.check_revision(task.revision, expected)
    rules.require_published(plan)
    return plan, task


async def create_task(
    uow: AbstractUnitOfWork, plan_id: str, spec: dict[str, Any], now: dt.datetime | None = None
) -> Task:
    """Assign part of a leaf's target to a unit (section) with its responsible people and deadline; the
    people's staff ids are checked against the plan's register when indicators has received it."""
    async with uow:
        plan = await load_plan(uow, plan_id)
        rules.require_published(plan)
        staff = await staff_lookup(uow, plan_id)
        task = task_rules.new_task(new_task_id(now or utcnow()), plan, spec, await _unit(uow, plan_id, spec), staff)
        await uow.tasks.save(task)
        await uow.commit()
    return task


async def get_task(uow: AbstractUnitOfWork, plan_id: str, task_id: str) -> Task:
    async with uow:
        await load_plan(uow, plan_id)
        return await _load(uow, plan_id, task_id)


async def update_task(
    uow: AbstractUnitOfWork, plan_id: str, task_id: str, spec: dict[str, Any], expected: int | None
) -> Task:
    """Replace what a task plans (If-Match); its progress stays."""
    async with uow:
        plan, task = await _for_change(uow, plan_id, task_id, expected)
        staff = await staff_lookup(uow, plan_id)
        task_rules.change_task(task, plan, spec, await _unit(uow, plan_id, spec), staff)
        await uow.tasks.save(task)
        await uow.commit()
    return task


async def delete_task(uow: AbstractUnitOfWork, plan_id: str, task_id: str, expected: int | None) -> None:
    """Remove a task and its progress (If-Match)."""
    async with uow:
        await _for_change(uow, plan_id, task_id, expected)
        await uow.tasks.delete(task_id)
        await uow.commit()


async def record_progress(
    uow: AbstractUnitOfWork,
    plan_id: str,
    task_id: str,
    quarter: str,
    done: Any,
    note: str | None,
    recorded_by: str | None,
    expected: int | None,
    now: dt.datetime | None = None,
) -> Task:
    """Record (or replace) a quarter's or reporting slot's cumulative progress (If-Match)."""
    async with uow:
        plan, task = await _for_change(uow, plan_id, task_id, expected)
        task_rules.record_progress(task, quarter, done, note, recorded_by, now or utcnow(), plan.year)
        await uow.tasks.save(task)
        await uow.commit()
    return task


async def list_tasks(
    uow: AbstractUnitOfWork,
    plan_id: str,
    *,
    indicator: str | None = None,
    unit: str | None = None,
    overdue: bool | None = None,
    limit: int | None = None,
    offset: int = 0,
    today: dt.date | None = None,
) -> tuple[list[Task], int]:
    """A page of a plan's tasks in creation order, and how many match the filters."""
    today = today or dt.date.today()
    async with uow:
        await load_plan(uow, plan_id)
        where = {"plan_id": plan_id, "indicator_id": indicator, "unit_id": unit}
        if overdue is None:
            return await uow.tasks.find(limit=limit, offset=offset, **where), await uow.tasks.count(**where)
        # overdue depends on the day and on the progress entries (JSON): filtered here, not in SQL
        found = [t for t in await uow.tasks.find(**where) if task_rules.is_overdue(t, today) == overdue]
        return found[offset:][:limit], len(found)


async def task_summary(
    uow: AbstractUnitOfWork, plan_id: str, indicator_id: str, today: dt.date | None = None
) -> task_rules.LeafSummary:
    """A leaf's tasks against its target (and each unit's against its own): planned, done, overdue."""
    async with uow:
        plan = await load_plan(uow, plan_id)
        tasks = await uow.tasks.find(plan_id=plan_id, indicator_id=indicator_id)
        targets = await uow.targets.find(plan_id=plan_id, indicator_id=indicator_id)
        return task_rules.summarize_leaf(plan, indicator_id, tasks, targets, today or dt.date.today())


async def late_reports(
    uow: AbstractUnitOfWork, plan_id: str, *, unit: str | None = None, today: dt.date | None = None
) -> list[tuple[Task, task_reporting.LateReport]]:
    """Every late or missing progress report of the plan's tasks with a cadence, as of `today`:
    by unit, then task (creation order), then slot."""
    today = today or dt.date.today()
    async with uow:
        plan = await load_plan(uow, plan_id)
        tasks = await uow.tasks.find(plan_id=plan_id, unit_id=unit)
        found = [(t, late) for t in tasks if t.cadence for late in task_rules.late_reports(t, plan, today)]
        return sorted(found, key=lambda pair: (pair[0].unit_id, pair[0].id))

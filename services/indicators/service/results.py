"""Use cases for results: entry by the unit, review by an assessor, history, period closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.indicators.domain import rules, validation
from services.indicators.domain.errors import Conflict, FieldProblem, InvalidInput, JixiaoError, ResultNotFound
from services.indicators.domain.model import (
    Period,
    Plan,
    Result,
    ResultEntry,
    Value,
    result_id,
)

from . import events
from .common import load_plan, load_unit, require_open, utcnow
from .unit_of_work import AbstractUnitOfWork


def record_of(result: Result, value: Value, confirmed: bool = False) -> dict[str, Any]:
    """The result as a bundle record, for validation by the scoring rules."""
    record: dict[str, Any] = {
        "unit": result.unit_id,
        "indicator": result.indicator_id,
        "period": result.period,
        "confirmed": confirmed,
        **value,
    }
    if result.part:
        record["part"] = result.part
    return record


async def check_value(uow: AbstractUnitOfWork, plan: Plan, result: Result, value: Value) -> None:
    """Validate one value for one result with the scoring rules (fields named as in the request)."""
    unit = await load_unit(uow, plan.id, result.unit_id)
    targets = await uow.targets.find(plan_id=plan.id, unit_id=unit.id)
    validation.check_facts(plan, [unit], targets, [record_of(result, value)], strip="$.results[0].")


async def _history(
    uow: AbstractUnitOfWork,
    result: Result,
    action: str,
    value: Value | None,
    actor: str | None,
    reason: str | None,
    now: dt.datetime,
) -> None:
    await uow.result_entries.save(ResultEntry(result.id, result.revision, action, now, value, actor, reason))


async def enter_result(
    uow: AbstractUnitOfWork,
    plan_id: str,
    unit_id: str,
    indicator_id: str,
    part: str | None,
    period: str,
    value: Value,
    comment: str | None,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> Result:
    """The unit creates its result for a leaf (or part) and period with its self-assessed value."""
    now = now or utcnow()
    rules.check_period(period)
    async with uow:
        plan = await load_plan(uow, plan_id)
        rules.require_published(plan)
        await require_open(uow, plan_id, period)
        rid = result_id(plan_id, unit_id, indicator_id, part or "", period)
        if await uow.results.get(rid) is not None:
            raise Conflict(f"a result for this unit, indicator, part and period exists: {rid}")
        result = Result(rid, plan_id, unit_id, indicator_id, part or "", period, revision=0)
        await check_value(uow, plan, result, value)
        rules.enter(result, value, comment, now)
        await _history(uow, result, "enter", value, actor, None, now)
        await uow.results.save(result)
        await uow.commit()
    return result


async def _load(uow: AbstractUnitOfWork, rid: str, expected: int | None) -> tuple[Plan, Result]:
    result = await uow.results.get(rid, for_update=True)
    if result is None:
        raise ResultNotFound(f"no result {rid!r}")
    rules.check_revision(result.revision, expected)
    return await load_plan(uow, result.plan_id), result


async def update_result(
    uow: AbstractUnitOfWork,
    rid: str,
    value: Value,
    comment: str | None,
    expected: int | None,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> Result:
    """The unit changes its value (a draft or returned one; after confirmation: a pending correction)."""
    now = now or utcnow()
    async with uow:
        plan, result = await _load(uow, rid, expected)
        await require_open(uow, plan.id, result.period)
        await check_value(uow, plan, result, value)
        rules.enter(result, value, comment, now)
        await _history(uow, result, "enter", value, actor, None, now)
        await uow.results.save(result)
        await uow.commit()
    return result


async def submit_result(
    uow: AbstractUnitOfWork, rid: str, expected: int | None, actor: str | None = None, now: dt.datetime | None = None
) -> Result:
    now = now or utcnow()
    async with uow:
        plan, result = await _load(uow, rid, expected)
        await require_open(uow, plan.id, result.period)
        rules.submit(result, now)
        await _history(uow, result, "submit", result.reported, actor, None, now)
        await uow.results.save(result)
        await uow.commit()
    return result


async def confirm_result(
    uow: AbstractUnitOfWork, rid: str, expected: int | None, assessor: str, now: dt.datetime | None = None
) -> Result:
    """An assessor confirms the value as reported: IndicatorResultConfirmed with the next version."""
    now = now or utcnow()
    async with uow:
        plan, result = await _load(uow, rid, expected)
        await require_open(uow, plan.id, result.period)
        rules.confirm(result, assessor, now)
        await _history(uow, result, "confirm", result.confirmed, assessor, None, now)
        result.event_id = await events.emit_result(uow, result)
        await uow.results.save(result)
        await uow.commit()
    return result


async def confirm_many(
    uow: AbstractUnitOfWork,
    plan_id: str,
    items: list[tuple[str, int | None]],
    assessor: str,
    now: dt.datetime | None = None,
) -> list[Result]:
    """An assessor confirms many results at once, each at the revision they reviewed: all or none.

    Every item that cannot be confirmed (unknown, of another plan, changed since, wrong state,
    closed period) is reported as `items[i]`; then nothing is confirmed.
    """
    now = now or utcnow()
    if not items:
        raise InvalidInput("name at least one result", problems=[FieldProblem("items", "is empty")])
    if len({rid for rid, _ in items}) != len(items):
        raise InvalidInput("a result is named twice", problems=[FieldProblem("items", "ids must be distinct")])
    problems: list[FieldProblem] = []
    confirmed: list[Result] = []
    async with uow:
        await load_plan(uow, plan_id)
        closed = {p.period for p in await uow.periods.find(plan_id=plan_id)}
        for i, (rid, expected) in enumerate(items):
            result = await uow.results.get(rid, for_update=True)
            try:
                if result is None or result.plan_id != plan_id:
                    raise ResultNotFound(f"no result {rid!r} in plan {plan_id!r}")
                rules.check_revision(result.revision, expected)
                if result.period in closed:
                    raise Conflict(f"period {result.period} is closed")
                rules.confirm(result, assessor, now)
            except JixiaoError as exc:
                problems.append(FieldProblem(f"items[{i}]", exc.detail))
                continue
            confirmed.append(result)
        if problems:
            raise Conflict(
                f"{len(problems)} of {len(items)} result(s) cannot be confirmed; none was", problems=problems
            )
        for result in confirmed:
            await _history(uow, result, "confirm", result.confirmed, assessor, None, now)
            result.event_id = await events.emit_result(uow, result)
        await uow.results.save_many(confirmed)
        await uow.commit()
    return confirmed


async def correct_result(
    uow: AbstractUnitOfWork,
    rid: str,
    value: Value,
    reason: str | None,
    expected: int | None,
    assessor: str,
    now: dt.datetime | None = None,
) -> Result:
    """An assessor sets the value with a reason (allowed after closing): a new confirmed version."""
    now = now or utcnow()
    reason = rules.require_reason(reason)
    async with uow:
        plan, result = await _load(uow, rid, expected)
        await check_value(uow, plan, result, value)
        rules.correct(result, value, assessor, reason, now)
        await _history(uow, result, "correct", value, assessor, reason, now)
        result.event_id = await events.emit_result(uow, result)
        await uow.results.save(result)
        await uow.commit()
    return result


async def return_result(
    uow: AbstractUnitOfWork,
    rid: str,
    reason: str | None,
    expected: int | None,
    assessor: str,
    now: dt.datetime | None = None,
) -> Result:
    """An assessor returns the result to the unit with a reason; nothing is published."""
    now = now or utcnow()
    reason = rules.require_reason(reason)
    async with uow:
        plan, result = await _load(uow, rid, expected)
        await require_open(uow, plan.id, result.period)
        rules.return_to_unit(result, assessor, reason, now)
        await _history(uow, result, "return", None, assessor, reason, now)
        await uow.results.save(result)
        await uow.commit()
    return result


async def get_result(uow: AbstractUnitOfWork, rid: str) -> Result:
    async with uow:
        result = await uow.results.get(rid)
        if result is None:
            raise ResultNotFound(f"no result {rid!r}")
        return result


async def result_history(uow: AbstractUnitOfWork, rid: str) -> list[ResultEntry]:
    async with uow:
        if await uow.results.get(rid) is None:
            raise ResultNotFound(f"no result {rid!r}")
        return await uow.result_entries.find(result_id=rid)


async def list_results(
    uow: AbstractUnitOfWork,
    plan_id: str,
    *,
    unit: str | None,
    indicator: str | None,
    period: str | None,
    status: str | None,
    limit: int | None,
    offset: int = 0,
) -> tuple[list[Result], int]:
    async with uow:
        await load_plan(uow, plan_id)
        where = {"plan_id": plan_id, "unit_id": unit, "indicator_id": indicator, "period": period, "status": status}
        return await uow.results.find(limit=limit, offset=offset, **where), await uow.results.count(**where)


async def close_period(
    uow: AbstractUnitOfWork, plan_id: str, period: str, closed_by: str, now: dt.datetime | None = None
) -> Period:
    """The office closes a period: PeriodClosed (keyed by plan id); closing twice is a conflict."""
    rules.check_period(period)
    async with uow:
        plan = await load_plan(uow, plan_id)
        rules.require_published(plan)
        # waits for writes in flight in the period (they hold it shared): their events go first
        await uow.lock_period(plan_id, period, exclusive=True)
        if await uow.periods.get(plan_id, period) is not None:
            raise Conflict(f"period {period} of plan {plan_id!r} is already closed")
        closed = Period(plan_id, period, now or utcnow(), closed_by)
        closed.event_id = await events.emit_period(uow, closed)
        await uow.periods.save(closed)
        await uow.commit()
    return closed


async def list_periods(uow: AbstractUnitOfWork, plan_id: str) -> list[Period]:
    async with uow:
        await load_plan(uow, plan_id)
        return await uow.periods.find(plan_id=plan_id)

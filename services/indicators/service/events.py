"""The events this service publishes, built from its aggregates and written through the outbox.

Keys: unit id for unit, target and result events; plan id for PlanPublished and PeriodClosed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.message import Message

from jixiao.proto.events.v1 import indicators_pb2 as pb
from jixiao.rules import exactjson
from services.indicators.domain.model import Period, Plan, Result, Target, Unit

from .unit_of_work import AbstractUnitOfWork


def plan_published(plan: Plan) -> pb.PlanPublished:
    body = exactjson.dumps({"plan": plan.body, "indicators": plan.indicators})
    return pb.PlanPublished(plan_id=plan.id, year=plan.year, version=plan.version, plan_json=body)


def unit_upserted(unit: Unit) -> pb.UnitUpserted:
    return pb.UnitUpserted(
        plan_id=unit.plan_id,
        unit_id=unit.id,
        name=unit.name,
        kind=unit.kind,
        group=unit.group or "",
        parent=unit.parent or "",
        version=unit.version,
    )


def target_set(target: Target) -> pb.TargetSet:
    return pb.TargetSet(
        plan_id=target.plan_id,
        unit_id=target.unit_id,
        indicator_id=target.indicator_id,
        target=str(target.target),
        version=target.version,
    )


def _utc_iso(at) -> str:
    """A confirmation time as ISO 8601 UTC (seconds), "" when unknown."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def result_confirmed(result: Result) -> pb.IndicatorResultConfirmed:
    msg = pb.IndicatorResultConfirmed(
        plan_id=result.plan_id,
        unit_id=result.unit_id,
        indicator_id=result.indicator_id,
        part=result.part,
        period=result.period,
        result_id=result.id,
        version=result.confirmed_version,
        confirmed=True,
        confirmed_by=result.confirmed_by or "",
        confirmed_at=_utc_iso(result.confirmed_at),
    )
    value = result.confirmed or {}
    if "budget" in value:  # budget_execution: both amounts in one message
        msg.budget_spent.budget = str(value["budget"])
        msg.budget_spent.spent = str(value["spent"])
        return msg
    ((field, value),) = value.items()
    setattr(msg, field, value if isinstance(value, bool) else str(value))
    return msg


def period_closed(period: Period) -> pb.PeriodClosed:
    return pb.PeriodClosed(plan_id=period.plan_id, period=period.period, closed_by=period.closed_by)


async def emit_plan(uow: AbstractUnitOfWork, plan: Plan) -> str:
    env = await uow.emit(plan_published(plan), plan_id=plan.id, aggregate_id=plan.id, version=plan.version)
    return env.event_id


async def emit_unit(uow: AbstractUnitOfWork, unit: Unit) -> str:
    env = await uow.emit(
        unit_upserted(unit), plan_id=unit.plan_id, unit_id=unit.id, aggregate_id=f"unit:{unit.id}", version=unit.version
    )
    return env.event_id


async def emit_target(uow: AbstractUnitOfWork, target: Target) -> str:
    env = await uow.emit(
        target_set(target),
        plan_id=target.plan_id,
        unit_id=target.unit_id,
        aggregate_id=f"target:{target.unit_id}/{target.indicator_id}",
        version=target.version,
    )
    return env.event_id


async def emit_result(uow: AbstractUnitOfWork, result: Result) -> str:
    payload, kwargs = result_event(result)
    env = await uow.emit(payload, **kwargs)
    return env.event_id


def result_event(result: Result) -> tuple[Message, dict[str, Any]]:
    """The result's IndicatorResultConfirmed as it is now, for `uow.emit_many` (bulk imports)."""
    kwargs = dict(
        plan_id=result.plan_id, unit_id=result.unit_id, aggregate_id=result.id, version=result.confirmed_version
    )
    return result_confirmed(result), kwargs


async def emit_period(uow: AbstractUnitOfWork, period: Period) -> str:
    env = await uow.emit(
        period_closed(period), plan_id=period.plan_id, aggregate_id=f"period:{period.period}", version=1
    )
    return env.event_id

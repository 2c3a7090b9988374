"""Use cases for plans: drafts, the indicator tree, publication and new versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.indicators.domain import rules, validation
from services.indicators.domain.errors import Conflict, FieldProblem, InvalidInput
from services.indicators.domain.model import PUBLISHED, Plan, PlanVersion

from . import events
from .common import load_plan, utcnow
from .unit_of_work import AbstractUnitOfWork


def _identity(body: dict[str, Any]) -> tuple[str, int, str]:
    problems = [FieldProblem(f"plan.{k}", "is required") for k in ("id", "year", "name") if not body.get(k)]
    if problems:
        raise InvalidInput("a plan needs an id, a year and a name", problems=problems)
    try:
        return str(body["id"]), int(body["year"]), str(body["name"])
    except (TypeError, ValueError):
        raise InvalidInput(
            "year must be an integer", problems=[FieldProblem("plan.year", "must be an integer")]
        ) from None


async def create_plan(uow: AbstractUnitOfWork, body: dict[str, Any], indicators: list[dict[str, Any]]) -> Plan:
    """Create a draft plan; it is validated in full when published."""
    plan_id, year, name = _identity(body)
    async with uow:
        if await uow.plans.get(plan_id) is not None:
            raise Conflict(f"plan {plan_id!r} already exists")
        plan = Plan(id=plan_id, year=year, name=name, body=body, indicators=indicators)
        await uow.plans.save(plan)
        await uow.commit()
    return plan


async def update_draft(
    uow: AbstractUnitOfWork,
    plan_id: str,
    body: dict[str, Any] | None,
    indicators: list[dict[str, Any]] | None,
    expected: int | None,
) -> Plan:
    """Replace a draft's plan object and/or indicator tree."""
    async with uow:
        plan = await load_plan(uow, plan_id, for_update=True)
        rules.check_revision(plan.revision, expected)
        rules.require_draft(plan)
        if body is not None:
            if str(body.get("id", plan_id)) != plan_id:
                raise InvalidInput("the plan id cannot change", problems=[FieldProblem("plan.id", "cannot change")])
            _, plan.year, plan.name = _identity({**body, "id": plan_id})
            plan.body = {**body, "id": plan_id}
        if indicators is not None:
            plan.indicators = indicators
        plan.revision += 1
        await uow.plans.save(plan)
        await uow.commit()
    return plan


async def put_indicator(uow: AbstractUnitOfWork, plan_id: str, node: dict[str, Any], expected: int | None) -> Plan:
    """Add or replace one node of a draft's indicator tree."""
    async with uow:
        plan = await load_plan(uow, plan_id, for_update=True)
        rules.check_revision(plan.revision, expected)
        rules.require_draft(plan)
        if plan.node(node["id"]) is None:
            plan.indicators = [*plan.indicators, node]
        else:
            plan.indicators = [node if n.get("id") == node["id"] else n for n in plan.indicators]
        plan.revision += 1
        await uow.plans.save(plan)
        await uow.commit()
    return plan


async def publish_plan(
    uow: AbstractUnitOfWork, plan_id: str, expected: int | None, now: dt.datetime | None = None
) -> Plan:
    """Publish a draft as version 1 (PlanPublished, then UnitUpserted/TargetSet of what it already has)."""
    async with uow:
        plan = await load_plan(uow, plan_id, for_update=True)
        rules.check_revision(plan.revision, expected)
        rules.require_draft(plan)
        validation.check_plan(plan.body, plan.indicators)
        await publish_current(uow, plan, "first publication", now or utcnow())
        for unit in await uow.units.find(plan_id=plan_id):
            unit.event_id = await events.emit_unit(uow, unit)
            await uow.units.save(unit)
        for target in await uow.targets.find(plan_id=plan_id):
            target.event_id = await events.emit_target(uow, target)
            await uow.targets.save(target)
        await uow.commit()
    return plan


async def publish_version(
    uow: AbstractUnitOfWork,
    plan_id: str,
    body: dict[str, Any],
    indicators: list[dict[str, Any]],
    reason: str | None,
    expected: int | None,
    now: dt.datetime | None = None,
) -> Plan:
    """A published plan changes only by a new version with a reason (PlanPublished with that version)."""
    reason = rules.require_reason(reason)
    async with uow:
        plan = await load_plan(uow, plan_id, for_update=True)
        rules.check_revision(plan.revision, expected)
        rules.require_published(plan)
        body = {**body, "id": plan_id}
        validation.check_plan(body, indicators)
        _, plan.year, plan.name = _identity(body)
        plan.body, plan.indicators = body, indicators
        await publish_current(uow, plan, reason, now or utcnow())
        await uow.commit()
    return plan


async def publish_current(uow: AbstractUnitOfWork, plan: Plan, reason: str, now: dt.datetime) -> None:
    plan.status = PUBLISHED
    plan.version += 1
    plan.revision += 1
    plan.published_at = now
    plan.event_id = await events.emit_plan(uow, plan)
    await uow.plans.save(plan)
    await uow.plan_versions.save(
        PlanVersion(plan.id, plan.version, plan.body, plan.indicators, reason, now, plan.event_id)
    )


async def get_plan(uow: AbstractUnitOfWork, plan_id: str) -> Plan:
    async with uow:
        return await load_plan(uow, plan_id)


async def list_plans(
    uow: AbstractUnitOfWork, *, year: int | None, status: str | None, limit: int, offset: int
) -> tuple[list[Plan], int]:
    async with uow:
        return (
            await uow.plans.find(year=year, status=status, limit=limit, offset=offset),
            await uow.plans.count(year=year, status=status),
        )


async def list_versions(uow: AbstractUnitOfWork, plan_id: str) -> list[PlanVersion]:
    async with uow:
        await load_plan(uow, plan_id)
        return await uow.plan_versions.find(plan_id=plan_id)


def leaf_ids(plan: Plan) -> set[str]:
    parents = {n.get("parent") for n in plan.indicators if n.get("parent")}
    return {n["id"] for n in plan.indicators if n.get("id") not in parents}


def applies(node: dict[str, Any], kind: str | None) -> bool:
    """A leaf applies to a unit kind when its applies_to is absent or lists the kind."""
    return kind is None or node.get("applies_to") is None or kind in node["applies_to"]


def indicator_nodes(plan: Plan, *, kind: str | None = None, leaves_only: bool = False) -> list[dict[str, Any]]:
    """The tree's nodes in order; with `kind`, the leaves that apply to it and their ancestors."""
    leaves = leaf_ids(plan)
    keep = [n for n in plan.indicators if n.get("id") in leaves and applies(n, kind)]
    if leaves_only:
        return keep
    wanted = {n["id"] for n in keep}
    by_id = {n.get("id"): n for n in plan.indicators}
    for n in keep:
        parent = n.get("parent")
        while parent and parent not in wanted:
            wanted.add(parent)
            parent = (by_id.get(parent) or {}).get("parent")
    return [n for n in plan.indicators if n.get("id") in wanted]

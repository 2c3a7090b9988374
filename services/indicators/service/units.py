"""Use cases for units (bulk create/update, one unit's update) and their per-leaf targets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.indicators.domain import rules, validation
from services.indicators.domain.errors import FieldProblem, InvalidInput
from services.indicators.domain.model import Plan, Target, Unit

from . import events
from .common import load_plan, load_unit
from .unit_of_work import AbstractUnitOfWork

_FIELDS = ("id", "name", "kind")


def _check_units(records: list[dict[str, Any]], known: dict[str, Unit]) -> None:
    """Every unit names an id, a name and a kind; the hierarchy has no cycle.

    A parent may lie outside the plan (the township that assesses its villages is not itself a unit).
    """
    problems: list[FieldProblem] = []
    ids = {str(r.get("id")) for r in records}
    for i, r in enumerate(records):
        problems += [FieldProblem(f"units[{i}].{k}", "is required") for k in _FIELDS if not r.get(k)]
    if len(ids) != len(records):
        problems.append(FieldProblem("units", "a unit id appears twice"))
    parents = {u.id: u.parent for u in known.values()} | {str(r.get("id")): r.get("parent") for r in records}
    for i, r in enumerate(records):
        seen, current = {r.get("id")}, parents.get(str(r.get("id")))
        while current:
            if current in seen:
                problems.append(FieldProblem(f"units[{i}].parent", "the hierarchy would have a cycle"))
                break
            seen.add(current)
            current = parents.get(current)
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) with the units: {problems[0]}", problems=problems)


async def upsert_units(uow: AbstractUnitOfWork, plan_id: str, records: list[dict[str, Any]]) -> dict[str, int]:
    """Create or update many units; a changed unit gets a new version (UnitUpserted once published)."""
    async with uow:
        plan = await load_plan(uow, plan_id)
        counts = await apply_units(uow, plan, records)
        await uow.commit()
    return counts


async def apply_units(uow: AbstractUnitOfWork, plan: Plan, records: list[dict[str, Any]]) -> dict[str, int]:
    """Inside an open unit of work: check and store units; only changed ones get a version and an event."""
    known = {u.id: u for u in await uow.units.find(plan_id=plan.id)}
    _check_units(records, known)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changed: list[Unit] = []
    for r in records:
        new = Unit(
            plan.id, str(r["id"]), str(r["name"]), str(r["kind"]), r.get("group") or None, r.get("parent") or None
        )
        old = known.get(new.id)
        if old is not None and old.facts() == new.facts():
            counts["unchanged"] += 1
            continue
        counts["updated" if old else "created"] += 1
        new.version = old.version + 1 if old else 1
        if plan.published:
            new.event_id = await events.emit_unit(uow, new)
        changed.append(new)
    await uow.units.save_many(changed)
    return counts


async def update_unit(
    uow: AbstractUnitOfWork, plan_id: str, unit_id: str, changes: dict[str, Any], expected: int | None
) -> Unit:
    """Change one unit's name, kind, group or parent (If-Match: its version)."""
    async with uow:
        plan = await load_plan(uow, plan_id)
        unit = await load_unit(uow, plan_id, unit_id, for_update=True)
        rules.check_revision(unit.version, expected)
        record = {**unit.as_bundle(), "group": unit.group, "parent": unit.parent, **changes, "id": unit_id}
        known = {u.id: u for u in await uow.units.find(plan_id=plan_id) if u.id != unit_id}
        _check_units([record], known)
        before = unit.facts()
        unit.name, unit.kind = record["name"], record["kind"]
        unit.group, unit.parent = record.get("group") or None, record.get("parent") or None
        if unit.facts() != before:
            unit.version += 1
            if plan.published:
                unit.event_id = await events.emit_unit(uow, unit)
            await uow.units.save(unit)
        await uow.commit()
    return unit


async def get_unit(uow: AbstractUnitOfWork, plan_id: str, unit_id: str) -> Unit:
    async with uow:
        return await load_unit(uow, plan_id, unit_id)


async def list_units(
    uow: AbstractUnitOfWork,
    plan_id: str,
    *,
    kind: str | None,
    parent: str | None,
    group: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Unit], int]:
    async with uow:
        await load_plan(uow, plan_id)
        where = {"plan_id": plan_id, "kind": kind, "parent": parent, "group": group}
        return await uow.units.find(limit=limit, offset=offset, **where), await uow.units.count(**where)


async def set_targets(uow: AbstractUnitOfWork, plan_id: str, records: list[dict[str, Any]]) -> dict[str, int]:
    """Set units' own targets for leaves (validated by the scoring rules); TargetSet for each change."""
    async with uow:
        plan = await load_plan(uow, plan_id)
        counts = await apply_targets(uow, plan, records, validate=True)
        await uow.commit()
    return counts


async def apply_targets(
    uow: AbstractUnitOfWork, plan: Plan, records: list[dict[str, Any]], *, validate: bool
) -> dict[str, int]:
    """Inside an open unit of work: store targets; only changed ones get a version and an event."""
    stored = {(t.unit_id, t.indicator_id): t for t in await uow.targets.find(plan_id=plan.id)}
    if validate:
        units = await uow.units.find(plan_id=plan.id)
        problems = validation.fact_problems(plan, units, stored.values(), new_targets=records)
        if problems:
            raise InvalidInput(f"{len(problems)} problem(s) with the targets: {problems[0]}", problems=problems)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changed: list[Target] = []
    for r in records:
        key, value = (r["unit"], r["indicator"]), Decimal(r["target"])
        old = stored.get(key)
        if old is not None and old.target == value:
            counts["unchanged"] += 1
            continue
        counts["updated" if old else "created"] += 1
        target = Target(plan.id, key[0], key[1], value, old.version + 1 if old else 1)
        if plan.published:
            target.event_id = await events.emit_target(uow, target)
        changed.append(target)
    await uow.targets.save_many(changed)
    return counts


async def list_targets(
    uow: AbstractUnitOfWork, plan_id: str, *, unit: str | None, indicator: str | None, limit: int, offset: int
) -> tuple[list[Target], int]:
    async with uow:
        await load_plan(uow, plan_id)
        where = {"plan_id": plan_id, "unit_id": unit, "indicator_id": indicator}
        return await uow.targets.find(limit=limit, offset=offset, **where), await uow.targets.count(**where)

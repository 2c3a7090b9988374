"""`POST /v1/import`: a bundle's indicators part, validated first, applied idempotently.

Idempotency: the plan, units and targets are compared with what is stored and only changes get a
new version (and an event). Results: the records of one (unit, leaf, part, period) are that
result's versions in input order; the result remembers how many records were applied and a
chained fingerprint of them, so a re-import only applies records beyond the common prefix.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jixiao.rules import exactjson
from services.indicators.domain import rules, validation
from services.indicators.domain.model import DRAFT, Plan, Result, ResultEntry, digest, result_id

from . import events
from .common import utcnow
from .plans import publish_current
from .unit_of_work import AbstractUnitOfWork
from .units import apply_targets, apply_units

Key = tuple[str, str, str, str]


async def import_bundle(
    uow: AbstractUnitOfWork, doc: dict[str, Any], now: dt.datetime | None = None, *, dry_run: bool = False
) -> dict:
    """Validate the whole part with the scoring rules, then apply it in one transaction; returns counts.
    With `dry_run` everything is checked and counted, and the transaction is rolled back."""
    validation.check_bundle(doc)
    now = now or utcnow()
    async with uow:
        plan, plan_change = await _apply_plan(uow, doc["plan"], doc["indicators"], now)
        counts: dict[str, Any] = {"plan": plan_change}
        counts["units"] = await apply_units(uow, plan, doc.get("units") or [])
        counts["targets"] = await apply_targets(uow, plan, doc.get("targets") or [], validate=False)
        counts["results"] = await _apply_results(uow, plan, doc.get("results") or [], now)
        if dry_run:
            counts["dry_run"] = True  # leaving without a commit rolls everything back
        else:
            await uow.commit()
    return counts


async def _apply_plan(
    uow: AbstractUnitOfWork, body: dict[str, Any], indicators: list[dict[str, Any]], now: dt.datetime
) -> tuple[Plan, str]:
    plan = await uow.plans.get(body["id"], for_update=True)
    if plan is None:
        plan = Plan(id=body["id"], year=int(body["year"]), name=body["name"], body=body, indicators=indicators)
        await publish_current(uow, plan, "import", now)
        return plan, "created"
    same = exactjson.dumps([plan.body, plan.indicators]) == exactjson.dumps([body, indicators])
    if same and plan.published:
        return plan, "unchanged"
    was_draft = plan.status == DRAFT
    plan.body, plan.indicators, plan.year, plan.name = body, indicators, int(body["year"]), body["name"]
    await publish_current(uow, plan, "import", now)
    if was_draft:  # what the draft already had becomes visible now
        for unit in await uow.units.find(plan_id=plan.id):
            unit.event_id = await events.emit_unit(uow, unit)
            await uow.units.save(unit)
    return plan, "updated"


def _group(records: list[dict[str, Any]]) -> dict[Key, list[dict[str, Any]]]:
    grouped: dict[Key, list[dict[str, Any]]] = {}
    for r in records:
        key = (r["unit"], r["indicator"], r.get("part") or "", r["period"])
        grouped.setdefault(key, []).append(r)
    return grouped


def _chain(records: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for r in records:
        out.append(digest(r, out[-1] if out else None))
    return out


async def _apply_results(
    uow: AbstractUnitOfWork, plan: Plan, records: list[dict[str, Any]], now: dt.datetime
) -> dict[str, int]:
    stored = {r.id: r for r in await uow.results.find(plan_id=plan.id)}
    counts = {"records": len(records), "applied": 0, "unchanged": 0, "confirmed": 0}
    changed: list[Result] = []
    entries: list[ResultEntry] = []
    confirmed: list[tuple[Result, Any, dict[str, Any]]] = []  # emitted together below, in this order
    for (unit, indicator, part, period), group in _group(records).items():
        rid = result_id(plan.id, unit, indicator, part, period)
        result = stored.get(rid) or Result(rid, plan.id, unit, indicator, part, period, revision=0)
        chain = _chain(group)
        start = _common_prefix(result, chain)
        counts["unchanged"] += start
        for seq in range(start, len(group)):
            record = group[seq]
            value = rules.value_of(record) or {}
            counts["applied"] += 1
            if rules.import_record(result, value, bool(record["confirmed"]), now):
                counts["confirmed"] += 1
                confirmed.append((result, *events.result_event(result)))
            entries.append(ResultEntry(rid, result.revision, "import", now, value, "import", None, seq + 1, chain[seq]))
        if result.import_count != len(group) or result.import_digest != chain[-1]:
            result.import_count, result.import_digest = len(group), chain[-1]
            changed.append(result)
    envelopes = await uow.emit_many([(payload, kwargs) for _, payload, kwargs in confirmed])
    for (result, _, _), env in zip(confirmed, envelopes, strict=True):
        result.event_id = env.event_id  # the last of a result's events wins, as before
    await uow.results.save_many(changed)
    await uow.result_entries.save_many(entries)
    return counts


def _common_prefix(result: Result, chain: list[str]) -> int:
    """How many of this bundle's records were already applied by an earlier import."""
    if (
        result.import_count
        and result.import_count <= len(chain)
        and chain[result.import_count - 1] == result.import_digest
    ):
        return result.import_count
    return 0

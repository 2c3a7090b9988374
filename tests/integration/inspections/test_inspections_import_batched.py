"""The bulk import writes its deductions, events and audit rows in batches: the number of statements
does not grow with the deductions, and what is stored is what recording them one by one stores
(events in the same order, deductions, the service's audit rows, an intact audit chain)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from google.protobuf.json_format import MessageToDict

from jixiao import audit
from jixiao.messaging.envelope import decode, payload_of
from jixiao.migrations import migrate
from jixiao.rules import exactjson
from jixiao.runtime import Runtime
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.inspections.adapters.orm import audit_log, deductions, messaging
from services.inspections.app import parts
from services.inspections.domain.model import SOURCE_IMPORT
from services.inspections.service.common import write_audit
from services.inspections.service.deductions import new_deduction
from services.inspections.service.events import emit_recorded, emit_revoked
from services.inspections.service.importing import IMPORT_REVOKE_REASON, import_bundle
from services.inspections.service.unit_of_work import SqlAlchemyInspectionsUnitOfWork

pytestmark = pytest.mark.integration
UNITS = ["v01", "v02", "v03"]
ACTOR = "office"


@pytest.fixture
async def runtime(database_url):
    """The inspections runtime, not started: no relay or other background work on its engine."""
    rt = Runtime(
        parts(), ServiceSettings(service="inspections"), DatabaseSettings(database_url=database_url), KafkaSettings()
    )
    await migrate(rt.db.url, "inspections")
    assert await rt.probe_audit_table() and rt.audit is not None
    yield rt
    await rt.db.dispose()


def record(i: int, *, points: str = "0.5", revoked: bool = False) -> dict:
    return {
        "id": f"d{i:03}",
        "unit": UNITS[i % len(UNITS)],
        "kind": "inspection",
        "points": points,
        "date": f"2026-{1 + i % 12:02}-15",
        "aspect": "work_style",
        "note": f"note {i}",
        "revoked": revoked,
    }


def bundle(plan: str, records: list[dict]) -> dict:
    """A bundle's inspections part, read as the service reads a request (decimals)."""
    doc = {
        "plan": {"id": plan, "year": 2026},
        "units": [{"id": u, "name": u, "kind": "village", "group": "villages"} for u in UNITS],
        "deductions": [dict(r, points=float(r["points"])) for r in records],
    }
    return exactjson.loads(json.dumps(doc).encode())


def first(n: int) -> list[dict]:
    return [record(i, revoked=i % 4 == 3) for i in range(n)]


def second(n: int) -> list[dict]:
    """The same ids again: some with new points, some revoked, some both, the rest unchanged."""
    return [
        record(i, points="1.5" if i % 4 in (1, 2) else "0.5", revoked=i % 4 in (2, 3) or i % 8 == 0) for i in range(n)
    ]


class Statements:
    def __init__(self, rt: Runtime) -> None:
        self.engine = rt.db.engine.sync_engine
        self.n = 0
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.n += 1

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)


async def _import(rt: Runtime, doc: dict):
    return await import_bundle(SqlAlchemyInspectionsUnitOfWork(rt), doc, ACTOR)


async def _statements_of_import(rt: Runtime, doc: dict) -> int:
    counted = Statements(rt)
    try:
        await _import(rt, doc)
    finally:
        counted.close()
    return counted.n


async def test_the_statements_of_an_import_do_not_grow_with_its_deductions(runtime):
    small = await _statements_of_import(runtime, bundle("p-small", first(4)))
    large = await _statements_of_import(runtime, bundle("p-large", first(40)))
    assert small == large
    again_small = await _statements_of_import(runtime, bundle("p-small", second(4)))
    again_large = await _statements_of_import(runtime, bundle("p-large", second(40)))
    assert again_small == again_large


async def _one_by_one(rt: Runtime, plan: str, records: list[dict]) -> None:
    """What the import wrote before it batched: per deduction new_deduction (event, row, audit row),
    or the stored one's new facts and/or revocation, saved, with one audit row."""
    async with SqlAlchemyInspectionsUnitOfWork(rt) as uow:
        settings = await uow.plans.get(plan)
        for r in records:
            points, day = Decimal(r["points"]), date.fromisoformat(r["date"])
            d = await uow.deductions.get(plan, r["id"])
            if d is None:
                d = await new_deduction(
                    uow,
                    settings,
                    ACTOR,
                    unit_id=r["unit"],
                    kind=r["kind"],
                    points=points,
                    day=day,
                    aspect=r["aspect"],
                    note=r["note"],
                    source=SOURCE_IMPORT,
                    deduction_id=r["id"],
                )
                if r["revoked"]:
                    before = d.as_dict()
                    await emit_revoked(uow, d, IMPORT_REVOKE_REASON)
                    await uow.deductions.save(d)
                    await write_audit(uow, ACTOR, "deduction.revoked", "deduction", d.id, plan, before, d.as_dict())
                continue
            if not d.active:
                continue
            before = d.as_dict()
            changed = d.points != points
            if changed:
                d.points = points
                await emit_recorded(uow, d)
            if r["revoked"]:
                await emit_revoked(uow, d, IMPORT_REVOKE_REASON)
            if changed or r["revoked"]:
                await uow.deductions.save(d)
                await write_audit(uow, ACTOR, "deduction.imported", "deduction", d.id, plan, before, d.as_dict())
        await uow.commit()


def _plain(value, plan: str):
    """`value` with the plan id replaced, so two plans' rows compare."""
    return json.loads(json.dumps(value, default=str).replace(plan, "PLAN"))


async def _stored(rt: Runtime, plan: str) -> dict:
    """Everything the deductions left for `plan`, in order, without identities, clocks and event ids."""
    out = messaging.outbox.c
    chain = audit.audit_table(sa.MetaData())
    async with rt.db.transaction() as s:
        events = (
            await s.execute(
                sa.select(out.event_id, out.type, out.key, out.shard, out.envelope)
                .where(out.plan_id == plan, out.type.like("Deduction%"))
                .order_by(out.id)
            )
        ).all()
        rows = (
            await s.execute(sa.select(deductions).where(deductions.c.plan_id == plan).order_by(deductions.c.seq))
        ).all()
        trail = (
            await s.execute(
                sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.entity_id, audit_log.c.before)
                .add_columns(audit_log.c.after, audit_log.c.reason)
                .where(audit_log.c.plan_id == plan, audit_log.c.entity_type == "deduction")
                .order_by(audit_log.c.id)
            )
        ).all()
        links = (
            await s.execute(
                sa.select(chain.c.actor, chain.c.action, chain.c.entity_type, chain.c.entity_id, chain.c.after)
                .where(chain.c.entity_type.like("Deduction%"))
                .order_by(chain.c.seq)
            )
        ).all()
    links = [r for r in links if json.loads(r.after)["plan_id"] == plan]
    event_of = {}
    listed = []
    for e in events:
        env = decode(e.envelope)
        event_of[e.event_id] = (env.type, env.aggregate_id, env.aggregate_version)
        listed.append((e.type, e.key, e.shard, env.aggregate_id, env.aggregate_version, MessageToDict(payload_of(env))))
    stored = []
    for r in rows:
        row = dict(r._mapping)
        del row["seq"]  # an identity across plans; the order of the rows is compared
        for name in ("recorded_envelope", "revoked_envelope"):
            env = decode(row.pop(name)) if row[name] else None
            row[name] = event_of[env.event_id] if env else None  # the very event in the outbox
        for name in ("created_at", "revoked_at"):
            row[name] = row[name] is not None
        stored.append(row)
    return _plain(
        {
            "events": listed,
            "deductions": stored,
            "audit_log": [tuple(r) for r in trail],
            "audit_chain": [tuple(r) for r in links],
        },
        plan,
    )


async def test_the_import_stores_what_one_by_one_recording_stores(runtime):
    n = 12
    await _import(runtime, bundle("p-bulk", first(n)))
    await _import(runtime, bundle("p-one", []))  # the same plan and units, no deductions
    await _one_by_one(runtime, "p-one", first(n))
    bulk, one = await _stored(runtime, "p-bulk"), await _stored(runtime, "p-one")
    assert len(bulk["events"]) == n + n // 4 and len(bulk["audit_chain"]) == len(bulk["events"])
    assert bulk == one

    counts = await _import(runtime, bundle("p-bulk", second(n)))
    assert counts.deductions["updated"] > 0 and counts.deductions["revoked"] > 0 and counts.deductions["unchanged"] > 0
    await _one_by_one(runtime, "p-one", second(n))
    bulk, one = await _stored(runtime, "p-bulk"), await _stored(runtime, "p-one")
    assert bulk == one

    async with runtime.db.engine.connect() as conn:
        checked = await audit.verify_schema(conn, "inspections")
    assert checked is not None
    count, broken = checked
    assert broken is None and count > 0

"""A bulk import writes its events in one statement (uow.emit_many), and still exactly as one by one:
the outbox holds every confirmed version in order, each result points at its last event, and the
audit chain has one intact row per event."""

from __future__ import annotations

from collections import defaultdict

import pytest
import sqlalchemy as sa

from jixiao import audit
from jixiao.messaging.envelope import decode, payload_of
from jixiao.rules import exactjson
from services.indicators.adapters import orm
from services.indicators.adapters.orm import messaging

pytestmark = pytest.mark.integration


async def test_imported_events_are_in_order_and_audited_once_each(app, client, part):
    corrected = sum(1 for r in part["results"] if r["confirmed"]) - len(
        {(r["unit"], r["indicator"], r.get("part"), r["period"]) for r in part["results"] if r["confirmed"]}
    )
    assert corrected > 0, "the example must hold corrected results for this test to mean anything"
    response = await client.post(
        "/v1/import", content=exactjson.dumps(part), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text

    t = messaging.outbox
    async with app.state.runtime.db.transaction() as s:
        rows = (await s.execute(sa.select(t.c.event_id, t.c.type, t.c.envelope).order_by(t.c.id))).all()
        stored = {r.id: r.event_id for r in (await s.execute(sa.select(orm.results))).all()}
        chain = await audit.verify_schema(await s.connection(), "indicators")

    versions: dict[str, list[int]] = defaultdict(list)
    last: dict[str, str] = {}
    for row in rows:
        if row.type == "IndicatorResultConfirmed":
            env = decode(row.envelope)
            versions[env.aggregate_id].append(env.aggregate_version)
            last[env.aggregate_id] = row.event_id
            assert payload_of(env).unit_id == env.unit_id
    assert sum(len(v) for v in versions.values()) == response.json()["results"]["confirmed"]
    assert all(v == sorted(v) and len(set(v)) == len(v) for v in versions.values())
    assert {rid: stored[rid] for rid in last} == last
    assert chain is not None
    count, broken = chain
    assert broken is None and count == len(rows)

"""The example year fed as events gives exactly the golden results on close."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bundle_events import all_events, bundle_events, golden_units, load_doc, records

from jixiao.fact_digest import digest_envelopes
from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.rules import exactjson
from services.scoring.adapters import orm

pytestmark = pytest.mark.integration


async def test_bundle_events_close_to_golden_results_with_explanations(scoring) -> None:
    events = bundle_events(load_doc())
    outcomes = await scoring.applier.apply(records(all_events(events)))
    assert outcomes["parked"] == 0

    provisional = await scoring.http.get("/v1/plans/bailian-2026/periods/Y/results")
    assert provisional.status_code == 200
    assert provisional.headers["x-jixiao-snapshot-version"] == "0"
    assert {u["status"] for u in provisional.json()["units"]} == {"provisional"}

    closed = await scoring.http.post("/v1/plans/bailian-2026/periods/Y/close", json={"actor": "office"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["snapshot_version"] == 1 and closed.json()["units"] == 37

    got = await scoring.service.results_doc("bailian-2026", "Y")
    assert got[0]["units"] == golden_units()

    # the graded events went to the outbox with the snapshot
    async with scoring.runtime.db.transaction() as s:
        types = dict(
            (
                await s.execute(
                    sa.select(orm.messaging.outbox.c.type, sa.func.count()).group_by(orm.messaging.outbox.c.type)
                )
            ).all()
        )
    assert types["UnitScoreGraded"] == 37 and types["PeriodGraded"] == 1 and types["UnitScoreUpdated"] >= 37

    # closing again without changes keeps version 1
    again = await scoring.service.close_period("bailian-2026", "Y", "office")
    assert (again.snapshot_version, again.created, again.diff) == (1, False, [])

    # a unit's explanation adds up to its total
    for unit in ("a01", "v03", "v10"):
        got = exactjson.loads((await scoring.http.get(f"/v1/plans/bailian-2026/periods/Y/units/{unit}")).content)
        expl = got["explanation"]
        assert sum(c["contribution"] for c in expl["components"]) == expl["total_exact"]
        assert round(expl["total_exact"], 2) == got["score"]["total"]

    # redelivery changes nothing; the consistency endpoint counts applied events per source
    again = await scoring.applier.apply(records(all_events(events)))
    assert again["applied"] == 0 and again["duplicate"] == 1002
    counts = (await scoring.http.get("/v1/plans/bailian-2026/consistency")).json()
    assert counts["applied"] == {"indicators": 882, "surveys": 73, "inspections": 47}
    # and digests the facts it holds as each source digests its events (what `jixiao results --wait` compares)
    assert counts["facts"] == {
        s: digest_envelopes(events[s]).to_dict() for s in ("indicators", "surveys", "inspections")
    }

    # a PeriodClosed event from indicators is queued and closed by the worker (unchanged: still v1)
    closed_event = make_envelope(
        source="indicators",
        plan_id="bailian-2026",
        payload=indicators_pb2.PeriodClosed(plan_id="bailian-2026", period="Y", closed_by="office"),
    )
    assert (await scoring.applier.apply(records([closed_event])))["applied"] == 1
    assert await scoring.service.run_close_requests() == 1
    assert [x["version"] for x in await scoring.service.snapshots("bailian-2026", "Y")] == [1]

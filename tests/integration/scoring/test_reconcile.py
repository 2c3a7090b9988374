"""Close reconciles with the sources' snapshots; re-score after a direct correction shows the diff; gRPC."""

from __future__ import annotations

import json

import pytest
from bundle_events import bundle_events, golden_units, load_doc, records
from conftest import start_scoring, stop_scoring
from fake_sources import start_fake_sources

from jixiao.grpc import channel, start_server
from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import indicators_pb2, inspections_pb2
from jixiao.proto.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from jixiao.rules import exactjson
from services.scoring.entrypoints.grpc_server import SERVICE_NAMES, registrations
from services.scoring.settings import ScoringSettings

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"


async def test_close_reconciles_then_rescore_and_reclose_show_the_correction(database_url: str) -> None:
    events = bundle_events(load_doc())
    fakes, targets, servers = await start_fake_sources(events)
    settings = ScoringSettings(
        indicators_grpc=targets["indicators"], surveys_grpc=targets["surveys"], inspections_grpc=targets["inspections"]
    )
    s = await start_scoring(database_url, settings)
    grpc_server, port = await start_server(0, registrations(s.service), service_names=SERVICE_NAMES)
    ch = channel(f"127.0.0.1:{port}")
    stub = scoring_pb2_grpc.ScoringServiceStub(ch)
    try:
        # Kafka delivered only part of the year: the plan, the units and the inspections
        partial = [e for e in events["indicators"] if e.type in ("PlanPublished", "UnitUpserted")]
        await s.applier.apply(records(partial + events["inspections"]))

        closed = await stub.ClosePeriod(scoring_pb2.ClosePeriodRequest(plan_id=PLAN, period="Y", actor="office"))
        assert closed.snapshot_version == 1 and closed.units == 37
        assert all(f.calls == 1 for f in fakes.values())
        assert (await s.service.results_doc(PLAN, "Y"))[0]["units"] == golden_units()

        listed = await stub.ListScores(scoring_pb2.ListScoresRequest(plan_id=PLAN, period="Y", group="villages"))
        assert listed.snapshot_version == 1 and len(listed.scores) == 12 and listed.scores[0].rank == 1
        one = await stub.GetUnitScore(scoring_pb2.GetUnitScoreRequest(plan_id=PLAN, period="Y", unit_id="a01"))
        assert one.score.total == "81.99" and '"components"' in one.explanation_json

        # direct corrections in the sources (no Kafka): a01's I1.1 result and its deduction d? revoked
        ded = next(e for e in events["inspections"] if e.unit_id == "a01" and e.type == "DeductionRecorded")
        fakes["inspections"].envelopes.append(
            make_envelope(
                source="inspections",
                plan_id=PLAN,
                unit_id="a01",
                aggregate_id=ded.aggregate_id,
                version=9,
                payload=inspections_pb2.DeductionRevoked(
                    plan_id=PLAN, unit_id="a01", deduction_id=ded.aggregate_id, reason="appeal upheld", version=9
                ),
            )
        )
        fakes["indicators"].envelopes.append(
            make_envelope(
                source="indicators",
                plan_id=PLAN,
                unit_id="a01",
                aggregate_id="a01:I1.1#@Y",
                version=9,
                payload=indicators_pb2.IndicatorResultConfirmed(
                    plan_id=PLAN,
                    unit_id="a01",
                    indicator_id="I1.1",
                    period="Y",
                    result_id="a01:I1.1#@Y",
                    version=9,
                    actual="0",
                    confirmed=True,
                ),
            )
        )

        # the re-score follows an objection (异议) filed against a01's result: it names it
        rescored = await s.http.post(
            f"/v1/plans/{PLAN}/periods/Y/rescore", json={"actor": "auditor", "objections": ["obj-12"]}
        )
        assert rescored.status_code == 200, rescored.text
        report = rescored.json()
        assert report["objections"] == ["obj-12"]
        bad = await s.http.post(f"/v1/plans/{PLAN}/periods/Y/rescore", json={"objections": ["a b"]})
        assert bad.status_code == 422 and "objections" in bad.text
        assert report["against"] == "snapshot:1" and report["units"] == 37
        a01 = next(d for d in report["diff"] if d["unit"] == "a01")
        assert a01["old_total"] == 81.99 and a01["new_total"] != 81.99
        assert any(w.startswith("component indicators:") for w in a01["why"])
        assert any(w.startswith("component inspection:") for w in a01["why"])
        # idempotent: the same report again, nothing graded yet
        again = (await s.http.post(f"/v1/plans/{PLAN}/periods/Y/rescore")).json()
        assert again["diff"] == report["diff"]
        # the same job streamed: a line per step as it happens, then the report
        streamed = await s.http.post(f"/v1/plans/{PLAN}/periods/Y/rescore", headers={"accept": "application/x-ndjson"})
        assert streamed.headers["content-type"].startswith("application/x-ndjson")
        lines = [exactjson.loads(line) for line in streamed.text.splitlines()]
        steps = [x for x in lines if "stage" in x]
        assert {x["stage"] for x in steps} >= {"reconcile", "score"}
        assert steps[-1] == {"stage": "score", "done": 1, "total": 1}
        reconciled = [x for x in steps if x["stage"] == "reconcile"]
        assert reconciled[-1]["done"] == reconciled[-1]["total"] > 0
        assert json.loads(streamed.text.splitlines()[-1])["report"]["diff"] == report["diff"]
        assert (await s.service.results_doc(PLAN, "Y"))[1] == 1

        reclosed = await stub.ClosePeriod(scoring_pb2.ClosePeriodRequest(plan_id=PLAN, period="Y", actor="office"))
        assert reclosed.snapshot_version == 2 and "a01" in {d.unit_id for d in reclosed.diff}
        v1 = exactjson.loads((await s.http.get(f"/v1/plans/{PLAN}/periods/Y/results?version=1")).content)
        assert v1["units"] == golden_units()
        snaps = (await s.http.get(f"/v1/plans/{PLAN}/periods/Y/snapshots")).json()["snapshots"]
        assert [x["version"] for x in snaps] == [1, 2] and snaps[1]["actor"] == "office"
        assert [x["objections"] for x in snaps] == [[], ["obj-12"]]  # recorded with the new version
        history = (await s.http.get(f"/v1/plans/{PLAN}/periods/Y/units/a01/history")).json()["history"]
        assert [h["kind"] for h in history if h["kind"] == "graded"] == ["graded", "graded"]
        ranking = (await s.http.get(f"/v1/plans/{PLAN}/periods/Y/rankings?group=agencies")).json()
        assert list(ranking["groups"]) == ["agencies"] and ranking["snapshot_version"] == 2
    finally:
        await ch.close()
        await grpc_server.stop(None)
        for server in servers:
            await server.stop(None)
        await stop_scoring(s)

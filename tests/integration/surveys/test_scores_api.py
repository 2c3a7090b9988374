"""Round scores through the API: hand-computed S_r and SE_r, events in the outbox, idempotent import, snapshots."""

from __future__ import annotations

import copy
from decimal import Decimal, localcontext

import grpc
import pytest
import sqlalchemy as sa

from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc
from services.surveys.adapters import orm

from .conftest import bundle_plan, hand_responses, outbox_events, post_json, raw_session, to_json

pytestmark = pytest.mark.integration
D = Decimal


def sqrt(x: str) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(x).sqrt()


async def test_round_score_matches_hand_computation_and_is_published_once(svc):
    app, client = svc
    doc = bundle_plan()
    doc["survey_responses"] = hand_responses("u1", "a") + hand_responses("u2", "b")
    r = await post_json(client, "/v1/import", doc)
    assert r.status_code == 200, r.text
    assert r.json()["survey_responses"]["accepted"] == 12
    assert r.json()["survey_responses"]["scores_updated"] == 2

    scores = {s["unit"]: s for s in (await client.get("/v1/plans/p1/scores", params={"round": "mid"})).json()}
    # u1: W = 0.4 / 0.6; S = 0.4·80 + 0.6·40 = 56; SE² = 0.16·1200/3 + 0.36·3200/2 = 640
    u1 = scores["u1"]
    assert D(u1["score"]) == D(56) and D(u1["se"]) == sqrt("640")
    assert u1["responses"] == 6 and [(h["stratum"], h["n"]) for h in u1["strata"]] == [
        ("rural_resident", 2),
        ("urban_resident", 3),
    ]
    assert D(u1["strata"][1]["sd"]) == sqrt("1200") and D(u1["strata"][0]["weight"]) == D("0.6")
    low, high = (D(x) for x in u1["ci95"])
    assert low < D(56) < high and abs((high - D(56)) - (D(56) - low)) < D("1e-20")
    assert abs((high - low) / 2 - D("1.959963984540054") * sqrt("640")) < D("1e-20")
    # u2 overrides rural to 0.2: S = (0.4·80 + 0.2·40)/0.6; SE² = (2/3)²·400 + (1/3)²·1600 = 3200/9
    u2 = scores["u2"]
    with localcontext() as ctx:
        ctx.prec = 28
        assert D(u2["score"]) == (D("0.4") * 80 + D("0.2") * 40) / D("0.6")
        assert abs(D(u2["se"]) - D(3200).sqrt() / 3) < D("1e-25")

    events = await outbox_events(app)
    assert [(e.type, p.unit_id, p.round_id, p.version) for e, p in events] == [
        ("SurveyScoreUpdated", "u1", "mid", 1),
        ("SurveyScoreUpdated", "u2", "mid", 1),
    ]
    env, payload = events[0]
    assert env.source == "surveys" and env.plan_id == "p1" and env.unit_id == "u1" and env.aggregate_version == 1
    assert D(payload.score) == 56 and D(payload.se) == sqrt("640") and payload.responses == 6
    assert [(s.stratum, s.n, D(s.mean), D(s.weight)) for s in payload.strata] == [
        ("rural_resident", 2, D(40), D("0.6")),
        ("urban_resident", 3, D(80), D("0.4")),
    ]

    # the same bundle again changes nothing and publishes nothing
    again = (await post_json(client, "/v1/import", doc)).json()
    assert again["survey_responses"] == {
        "received": 12,
        "accepted": 0,
        "unchanged": 12,
        "ignored_differing": 0,
        "differing_ids": [],
        "scores_updated": 0,
    }
    assert len(await outbox_events(app)) == 2

    # a new batch: version 2; a differing re-delivery of a1 is ignored and reported
    changed = copy.deepcopy(doc["survey_responses"][0])
    changed["answers"] = ["dissatisfied", "dissatisfied"]
    extra = {
        "id": "a7",
        "unit": "u1",
        "round": "mid",
        "stratum": "urban_resident",
        "mode": "face",
        "answers": ["satisfied", "satisfied"],
    }
    r = await post_json(client, "/v1/plans/p1/responses", {"responses": [changed, extra]})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1 and r.json()["differing_ids"] == ["a1"]
    events = await outbox_events(app)
    assert len(events) == 3 and events[-1][1].version == 2 and events[-1][1].responses == 7
    u1 = (await client.get("/v1/plans/p1/rounds/mid/units/u1/score")).json()
    assert u1["version"] == 2 and D(u1["score"]) == D("0.4") * D(85) + D("0.6") * D(40)

    # snapshot gRPC: the current envelopes; H1 holds the mid round, Q3 nothing; position = events committed
    runtime = app.state.runtime
    async with grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}") as channel:
        stub = snapshot_pb2_grpc.SnapshotServiceStub(channel)
        snap = [e async for e in stub.StreamSnapshot(snapshot_pb2.StreamSnapshotRequest(plan_id="p1"))]
        assert sorted((e.unit_id, e.aggregate_version) for e in snap) == [("u1", 2), ("u2", 1)]
        assert snap[0].event_id == events[-1][0].event_id
        assert (
            len([e async for e in stub.StreamSnapshot(snapshot_pb2.StreamSnapshotRequest(plan_id="p1", period="H1"))])
            == 2
        )
        assert [
            e async for e in stub.StreamSnapshot(snapshot_pb2.StreamSnapshotRequest(plan_id="p1", period="Q3"))
        ] == []
        pos = await stub.GetPosition(snapshot_pb2.GetPositionRequest(plan_id="p1"))
        assert pos.position == 3 and pos.source == "surveys"


async def test_invalid_responses_are_rejected_with_paths_and_nothing_is_written(svc):
    app, client = svc
    doc = bundle_plan()
    doc["survey_responses"] = hand_responses("u1", "a")
    assert (await post_json(client, "/v1/import", doc)).status_code == 200
    bad = [
        {"id": "x1", "unit": "nope", "round": "mid", "stratum": "urban_resident", "answers": ["satisfied"]},
        {"id": "x2", "unit": "u1", "round": "late", "stratum": "urban_resident", "answers": ["satisfied"]},
        {"id": "x3", "unit": "u1", "round": "mid", "stratum": "martians", "answers": ["satisfied"]},
        {"id": "x4", "unit": "u1", "round": "mid", "stratum": "business", "answers": ["satisfied"]},
        {"id": "x5", "unit": "u1", "round": "mid", "stratum": "urban_resident", "answers": ["satisfied", "meh"]},
        {"id": "x6", "unit": "u2", "round": "mid", "stratum": "business", "answers": ["satisfied"]},  # valid
    ]
    r = await post_json(client, "/v1/import", {**doc, "survey_responses": doc["survey_responses"] + bad})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert set(fields) == {
        "$.survey_responses[6].unit",
        "$.survey_responses[7].round",
        "$.survey_responses[8].stratum",
        "$.survey_responses[9].stratum",
        "$.survey_responses[10].answers[1]",
    }
    assert "no weight" in fields["$.survey_responses[9].stratum"]
    assert "unknown stratum" in fields["$.survey_responses[8].stratum"]
    async with raw_session(app) as s:
        assert (await s.execute(sa.select(sa.func.count()).select_from(orm.responses))).scalar_one() == 6
    assert len(await outbox_events(app)) == 1


async def test_csv_response_import_and_plan_weight_change_rescore(svc):
    app, client = svc
    assert (await post_json(client, "/v1/import", bundle_plan())).status_code == 200
    csv_text = (
        "id,unit,round,stratum,mode,q1,q2\n"
        "c1,u1,final,urban_resident,phone,satisfied,satisfied\n"
        "c2,u1,final,rural_resident,face,dissatisfied,\n"
    )
    r = await client.post("/v1/plans/p1/responses/file", files={"file": ("r.csv", csv_text.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2
    s = (await client.get("/v1/plans/p1/rounds/final/units/u1/score")).json()
    assert D(s["score"]) == D("0.4") * 100 and D(s["se"]) == 0
    bad = "id,unit,round,stratum,mode,q1\nc3,u1,final,urban_resident,phone,great\n"
    r = await client.post("/v1/plans/p1/responses/file", files={"file": ("r.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "row 2: answers[0]"
    # new default weights re-score the unit and publish version 2
    doc = bundle_plan()
    doc["plan"]["survey"]["strata"]["urban_resident"] = D("0.5")
    r = await client.put("/v1/plans/p1", content=to_json(doc), headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["scores_updated"] == 1
    s = (await client.get("/v1/plans/p1/rounds/final/units/u1/score")).json()
    # W: urban 0.5, rural 0.6; S = (0.5·100 + 0.6·0)/1.1
    with localcontext() as ctx:
        ctx.prec = 28
        assert s["version"] == 2 and D(s["score"]) == D(50) / D("1.1")

"""The review workflow over REST: entry, submit, confirm/correct/return, If-Match, events, snapshot."""

from __future__ import annotations

import grpc
import pytest

from jixiao.grpc import channel
from jixiao.messaging.envelope import payload_of
from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"


async def enter(client, **body):
    return await client.post(f"/v1/plans/{PLAN}/results", json={"period": "Y", **body})


async def test_entry_review_and_concurrent_edits(app, client, plan, outbox_types):
    created = await enter(client, unit="v01", indicator="I1.1", actual="11.4", comment="村道11.4公里")
    assert created.status_code == 201, created.text
    rid, etag = created.json()["id"], created.headers["etag"]
    assert created.json()["status"] == "draft"

    # no If-Match -> 428; a stale one -> 412
    assert (await client.post(f"/v1/results/{rid}/submit", json={})).status_code == 428
    submitted = await client.post(f"/v1/results/{rid}/submit", json={}, headers={"If-Match": etag})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    stale = await client.post(f"/v1/results/{rid}/confirm", json={"assessor": "张三"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")

    confirmed = await client.post(
        f"/v1/results/{rid}/confirm", json={"assessor": "张三"}, headers={"If-Match": submitted.headers["etag"]}
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["confirmed"] == {"actual": "11.4"} and confirmed.json()["confirmed_version"] == 1

    no_reason = await client.post(
        f"/v1/results/{rid}/correct",
        json={"assessor": "李四", "actual": "10.8"},
        headers={"If-Match": confirmed.headers["etag"]},
    )
    assert no_reason.status_code == 422
    corrected = await client.post(
        f"/v1/results/{rid}/correct",
        json={"assessor": "李四", "actual": "10.8", "reason": "核实台账"},
        headers={"If-Match": confirmed.headers["etag"]},
    )
    assert corrected.status_code == 200 and corrected.json()["confirmed_version"] == 2

    types = await outbox_types()
    assert types.count("IndicatorResultConfirmed") == 2
    history = (await client.get(f"/v1/results/{rid}/history")).json()
    assert [e["action"] for e in history] == ["enter", "submit", "confirm", "correct"]


async def test_return_then_resubmit_and_pending_correction(client, plan):
    created = await enter(client, unit="v01", indicator="I1.2", rating="B")
    rid = created.json()["id"]
    returned = await client.post(
        f"/v1/results/{rid}/return",
        json={"assessor": "张三", "reason": "缺少佐证"},
        headers={"If-Match": created.headers["etag"]},
    )
    assert returned.json()["status"] == "returned" and returned.json()["review_note"] == "缺少佐证"
    changed = await client.put(
        f"/v1/results/{rid}", json={"rating": "A"}, headers={"If-Match": returned.headers["etag"]}
    )
    assert changed.status_code == 200 and changed.json()["status"] == "draft"
    confirmed = await client.post(
        f"/v1/results/{rid}/confirm", json={"assessor": "张三"}, headers={"If-Match": changed.headers["etag"]}
    )
    # after confirmation the unit may enter a new value: it waits as a pending correction
    pending = await client.put(
        f"/v1/results/{rid}", json={"rating": "B"}, headers={"If-Match": confirmed.headers["etag"]}
    )
    body = pending.json()
    assert body["pending"] is True and body["confirmed"] == {"rating": "A"} and body["reported"] == {"rating": "B"}


async def test_bad_values_are_refused_with_the_field_named(client, plan):
    bad_rating = await enter(client, unit="v01", indicator="I1.2", rating="Z")
    assert bad_rating.status_code == 422
    assert bad_rating.json()["errors"][0]["field"] == "rating"
    group = await enter(client, unit="v01", indicator="I1", actual="1")
    assert group.status_code == 422 and group.json()["errors"][0]["field"] == "indicator"
    not_applicable = await enter(client, unit="v01", indicator="I1.3", part="completion", actual="1")
    assert not_applicable.status_code == 422
    two_values = await enter(client, unit="v01", indicator="I1.1", actual="1", points="2")
    assert two_values.status_code == 422
    assert (await enter(client, unit="v01", indicator="I1.1", period="Q5", actual="1")).status_code == 422


async def test_lists_are_paginated_and_filtered(client, plan):
    for unit in ("v01", "v02", "v03"):
        assert (await enter(client, unit=unit, indicator="I1.1", actual="9")).status_code == 201
    page = (await client.get(f"/v1/plans/{PLAN}/results", params={"limit": 2})).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    only = (await client.get(f"/v1/plans/{PLAN}/results", params={"unit": "v02", "status": "draft"})).json()
    assert [r["unit_id"] for r in only["items"]] == ["v02"]
    units = (await client.get(f"/v1/plans/{PLAN}/units", params={"kind": "agency", "limit": 100})).json()
    assert units["total"] > 0 and all(u["kind"] == "agency" for u in units["items"])


async def test_snapshot_streams_latest_confirmed_versions_and_position(app, client, plan, outbox_types):
    created = await enter(client, unit="v01", indicator="I1.1", actual="11")
    rid = created.json()["id"]
    confirmed = await client.post(
        f"/v1/results/{rid}/confirm", json={"assessor": "a"}, headers={"If-Match": created.headers["etag"]}
    )
    await client.post(
        f"/v1/results/{rid}/correct",
        json={"assessor": "a", "actual": "12", "reason": "r"},
        headers={"If-Match": confirmed.headers["etag"]},
    )
    await enter(client, unit="v02", indicator="I1.1", actual="5")  # never confirmed: not streamed
    closed = await client.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"closed_by": "绩效办"})
    assert closed.status_code == 200
    assert (await client.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"closed_by": "x"})).status_code == 409

    async with channel(f"127.0.0.1:{app.state.runtime.grpc_port}") as ch:
        stub = snapshot_pb2_grpc.SnapshotServiceStub(ch)
        envs = [e async for e in stub.StreamSnapshot(snapshot_pb2.StreamSnapshotRequest(plan_id=PLAN, period="Y"))]
        position = await stub.GetPosition(snapshot_pb2.GetPositionRequest(plan_id=PLAN))
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            [e async for e in stub.StreamSnapshot(snapshot_pb2.StreamSnapshotRequest(plan_id="nope"))]
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    kinds = [e.type for e in envs]
    assert kinds[0] == "PlanPublished" and kinds.count("UnitUpserted") == 37
    results = [e for e in envs if e.type == "IndicatorResultConfirmed"]
    assert len(results) == 1 and results[0].aggregate_version == 2
    assert payload_of(results[0]).actual == "12"
    assert position.position == len(await outbox_types())


async def test_self_report_over_rest(client, plan):
    response = await client.put(f"/v1/plans/{PLAN}/units/v01/reports/Y", json={"text": "2026年度自评"})
    assert response.status_code == 200 and response.json()["late"] is False
    page = (await client.get(f"/v1/plans/{PLAN}/reports", params={"late": "false"})).json()
    assert page["total"] == 1

"""The inspections service on real PostgreSQL and the real broker: REST, outbox events, audit, gRPC snapshot."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import sqlalchemy as sa

from jixiao.grpc import channel
from jixiao.messaging.envelope import decode, payload_of
from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc
from jixiao.samples import BAILIAN_BUNDLE
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.inspections.adapters.orm import audit_log, messaging
from services.inspections.app import create_app

pytestmark = pytest.mark.integration
BUNDLE = BAILIAN_BUNDLE
PLAN = {
    "year": 2026,
    "veto_categories": ["work_safety", "environment", "written_criticism"],
    "deduction_kinds": [{"kind": "inspection", "cap": 3}, {"kind": "discipline", "cap": None}],
    "discipline_points_per_absence": "0.5",
    "appeal_window_days": 15,
}


@pytest.fixture
async def svc(database_url, broker_bootstrap):
    app = create_app(
        ServiceSettings(service="inspections", grpc_port=0, relay_interval_ms=100),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=broker_bootstrap, kafka_partitions=4),
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://inspections") as client:
            yield app, client


async def outbox(app) -> list:
    t = messaging.outbox
    async with app.state.runtime.db.transaction() as s:
        rows = (await s.execute(sa.select(t.c.envelope).order_by(t.c.id))).scalars().all()
    return [decode(r) for r in rows]


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def test_ledger_appeal_veto_audit_and_snapshot(svc):
    app, client = svc
    ok(await client.put("/v1/plans/p1", json=PLAN, headers={"X-Actor": "office"}))
    ids = []
    for points in ("1", "2", 3):
        body = {"unit_id": "u1", "kind": "inspection", "points": points, "date": "2026-06-01", "aspect": "work_style"}
        ids.append(
            ok(await client.post("/v1/plans/p1/deductions", json=body, headers={"X-Actor": "%E5%BC%A0%E4%B8%89"}), 201)[
                "id"
            ]
        )
    ledger = ok(await client.get("/v1/plans/p1/ledger", params={"unit_id": "u1"}))
    assert ledger["totals"] == [
        {"unit_id": "u1", "kind": "inspection", "total": "6", "active": 3, "revoked": 0, "cap": "3", "over_cap": True}
    ]

    appeal = ok(
        await client.post(
            f"/v1/plans/p1/deductions/{ids[1]}/appeals", json={"reason": "rectified"}, headers={"X-Actor": "u1-head"}
        ),
        201,
    )
    assert (await client.post(f"/v1/plans/p1/deductions/{ids[1]}/appeals", json={"reason": "x"})).status_code == 409
    decision = {"decision": "revoke_deduction", "reason": "photos show it was fixed"}
    url = f"/v1/plans/p1/appeals/{appeal['id']}/decision"
    both = await asyncio.gather(
        client.post(url, json=decision, headers={"X-Actor": "reviewer"}),
        client.post(url, json=decision, headers={"X-Actor": "reviewer"}),
    )
    results = sorted((ok(r)["changed"], ok(r)["deduction_revoked"]) for r in both)
    assert results == [(False, False), (True, True)]
    again = ok(await client.post(url, json=decision))
    assert again["changed"] is False and again["appeal"]["status"] == "granted"
    assert (await client.post(url, json={"decision": "keep_deduction", "reason": "no"})).status_code == 409
    ledger = ok(await client.get("/v1/plans/p1/ledger", params={"unit_id": "u1"}))
    assert ledger["totals"][0]["total"] == "4" and ledger["totals"][0]["revoked"] == 1
    revoked = ok(await client.get("/v1/plans/p1/deductions", params={"status": "revoked"}))
    assert [d["id"] for d in revoked["items"]] == [ids[1]] and revoked["total"] == 1

    bad = await client.post("/v1/plans/p1/vetoes", json={"unit_id": "u1", "category": "football", "date": "2026-08-01"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    veto = ok(
        await client.post(
            "/v1/plans/p1/vetoes",
            json={"unit_id": "u1", "category": "work_safety", "date": "2026-08-01", "document": "白安委〔2026〕3号"},
        ),
        201,
    )
    assert (await client.post(f"/v1/plans/p1/vetoes/{veto['id']}/lift", json={"reason": ""})).status_code == 422
    lifted = ok(await client.post(f"/v1/plans/p1/vetoes/{veto['id']}/lift", json={"reason": "rectified"}))
    assert lifted["in_force"] is False and lifted["version"] == 2
    assert (await client.post(f"/v1/plans/p1/vetoes/{veto['id']}/lift", json={"reason": "x"})).status_code == 409

    events = await outbox(app)
    # filing the appeal republishes the deduction under appeal (v2); granting it revokes it (v3), naming it
    assert [e.type for e in events] == ["DeductionRecorded"] * 4 + ["DeductionRevoked", "VetoIssued", "VetoLifted"]
    assert payload_of(events[2]).points == "3" and events[4].aggregate_id == ids[1]
    assert (payload_of(events[3]).appeal_id, payload_of(events[3]).appeal_outcome) == (appeal["id"], "open")
    assert payload_of(events[4]).appeal_id == appeal["id"]

    audit = ok(await client.get("/v1/plans/p1/audit"))
    assert [(a["action"], a["actor"]) for a in audit] == [
        ("plan.configured", "office"),
        ("deduction.recorded", "张三"),
        ("deduction.recorded", "张三"),
        ("deduction.recorded", "张三"),
        ("appeal.filed", "u1-head"),
        ("appeal.decided", "reviewer"),
        ("deduction.revoked", "reviewer"),
        ("veto.issued", "system"),
        ("veto.lifted", "system"),
    ]
    assert audit[6]["before"]["status"] == "active" and audit[6]["after"]["status"] == "revoked"

    async with channel(f"127.0.0.1:{app.state.runtime.grpc_port}") as ch:
        stub = snapshot_pb2_grpc.SnapshotServiceStub(ch)
        snap = [e async for e in stub.StreamSnapshot(snapshot_pb2.StreamSnapshotRequest(plan_id="p1"))]
        position = await stub.GetPosition(snapshot_pb2.GetPositionRequest(plan_id="p1"))
    assert [(e.type, e.aggregate_id, e.aggregate_version) for e in snap] == [
        ("DeductionRecorded", ids[0], 1),
        ("DeductionRecorded", ids[1], 2),
        ("DeductionRevoked", ids[1], 3),
        ("DeductionRecorded", ids[2], 1),
        ("VetoIssued", veto["id"], 1),
        ("VetoLifted", veto["id"], 2),
    ]
    assert {e.event_id for e in snap} == {e.event_id for e in events} - {events[1].event_id}  # v1 superseded
    assert (position.position, position.source) == (7, "inspections")

    for _ in range(100):  # the relay publishes the outbox to the broker
        if await app.state.runtime.pending_events() == 0:
            break
        await asyncio.sleep(0.1)
    assert await app.state.runtime.pending_events() == 0


async def test_import_is_all_or_nothing_and_idempotent(svc):
    app, client = svc
    raw = BUNDLE.read_text(encoding="utf-8")
    broken = raw.replace('"points": 1.5', '"points": -1.5', 1)
    bad = await client.post("/v1/import", content=broken, headers={"content-type": "application/json"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith(".points")
    assert await outbox(app) == []
    assert (await client.get("/v1/plans/bailian-2026")).status_code == 404

    first = ok(await client.post("/v1/import", content=raw, headers={"content-type": "application/json"}))
    assert first["deductions"]["created"] == 39 and first["deductions"]["revoked"] == 6
    assert first["vetoes"]["created"] == 2 and first["events"] == 47
    second = ok(await client.post("/v1/import", content=raw, headers={"content-type": "application/json"}))
    assert second["events"] == 0 and second["deductions"]["unchanged"] == 33
    events = await outbox(app)
    assert len(events) == 47
    d4 = [payload_of(e) for e in events if e.aggregate_id == "d4"]
    assert [type(p).__name__ for p in d4] == ["DeductionRecorded", "DeductionRevoked"] and d4[0].points == "1.5"
    plan = ok(await client.get("/v1/plans/bailian-2026"))
    assert {"kind": "inspection", "cap": "3"} in plan["deduction_kinds"]
    ledger = ok(await client.get("/v1/plans/bailian-2026/ledger", params={"unit_id": "v01"}))
    assert ledger["totals"][0]["total"] == "5" and ledger["totals"][0]["cap"] == "3"
    unknown = await client.post(
        "/v1/plans/bailian-2026/deductions", json={"unit_id": "zz", "points": 1, "date": "2026-01-01"}
    )
    assert unknown.status_code == 422
    async with app.state.runtime.db.transaction() as s:
        n_audit = (await s.execute(sa.select(sa.func.count()).select_from(audit_log))).scalar_one()
    assert n_audit == 1 + 39 + 6 + 2


async def test_mobile_inspection_evidence_and_discipline(svc):
    app, client = svc
    ok(await client.put("/v1/plans/p2", json=PLAN))
    options = ok(await client.get("/v1/plans/p2/form-options"))
    assert [a["code"] for a in options["aspects"]] == ["duties", "work_style", "power_use", "efficiency", "attitude"]
    form = {
        "id": "phone-0001",
        "unit_id": "u7",
        "mode": "unannounced",
        "date": "2026-05-06",
        "inspectors": ["李四"],
        "findings": [{"id": "f1", "aspect": "efficiency", "description": "窗口无人", "proposed_points": "0.5"}],
    }
    created = ok(await client.post("/v1/plans/p2/inspections", json=form), 201)
    retried = ok(await client.post("/v1/plans/p2/inspections", json=form), 200)
    assert created == retried and created["findings"][0]["proposed_points"] == "0.5"
    ev = ok(
        await client.post(
            "/v1/plans/p2/inspections/phone-0001/findings/f1/evidence",
            files={"file": ("photo.jpg", b"\xff\xd8\xff data", "image/jpeg")},
        ),
        201,
    )
    got = await client.get(f"/v1/plans/p2/evidence/{ev['id']}")
    assert got.content == b"\xff\xd8\xff data" and got.headers["content-type"] == "image/jpeg"
    url = "/v1/plans/p2/inspections/phone-0001/findings/f1/deduction"
    d = ok(await client.post(url, json={}), 201)
    assert ok(await client.post(url, json={}), 200)["id"] == d["id"]
    assert (d["points"], d["source"], d["aspect"]) == ("0.5", "inspection_finding", "efficiency")
    listed = ok(await client.get("/v1/plans/p2/inspections", params={"unit_id": "u7", "mode": "unannounced"}))
    assert listed["items"][0]["findings"][0]["deduction_id"] == d["id"]
    assert listed["items"][0]["findings"][0]["evidence"][0]["sha256"] == ev["sha256"]

    absence = ok(
        await client.post(
            "/v1/plans/p2/discipline/absences",
            json={"unit_id": "sec1", "person": "王五", "activity": "study", "date": "2026-04-02"},
        ),
        201,
    )
    assert absence["deduction_id"]
    ok(
        await client.post(
            "/v1/plans/p2/discipline/leaves",
            json={"unit_id": "sec1", "person": "王五", "start": "2026-03-01", "end": "2026-03-20"},
        ),
        201,
    )
    flags = ok(await client.get("/v1/plans/p2/discipline/eligibility", params={"ineligible_only": True}))
    assert [(p["person"], p["longest_consecutive_days"], p["eligible_for_excellence"]) for p in flags["people"]] == [
        ("王五", 20, False)
    ]
    ledger = ok(await client.get("/v1/plans/p2/ledger", params={"kind": "discipline"}))
    assert ledger["totals"] == [
        {
            "unit_id": "sec1",
            "kind": "discipline",
            "total": "0.5",
            "active": 1,
            "revoked": 0,
            "cap": None,
            "over_cap": False,
        }
    ]
    assert [e.type for e in await outbox(app)] == ["DeductionRecorded", "DeductionRecorded"]

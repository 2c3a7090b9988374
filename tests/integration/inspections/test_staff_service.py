"""The staff register on real PostgreSQL (migration 0005) and the outbox: import, REST, events, masked audit."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa

from jixiao.messaging.envelope import decode, payload_of
from jixiao.rules import exactjson
from jixiao.samples import BAILIAN_BUNDLE
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.inspections.adapters.orm import messaging
from services.inspections.app import create_app

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"


async def outbox(app) -> list:
    t = messaging.outbox
    async with app.state.runtime.db.transaction() as s:
        rows = (await s.execute(sa.select(t.c.envelope).order_by(t.c.id))).scalars().all()
    return [decode(r) for r in rows]


def ok(response: httpx.Response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


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


async def test_staff_is_imported_edited_removed_published_and_masked_in_audit(svc):
    app, client = svc
    doc = json.loads(BAILIAN_BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)
    doc["staff"] = [
        {"id": "s1", "name": "朱建军", "unit": "v01", "position": "副镇长", "roles": ["分管领导"], "oversees": ["v02"]},
        {"id": "s2", "name": "刘敏", "unit": "v02", "roles": ["head"]},
    ]
    counts = ok(
        await client.post(
            "/v1/import", content=exactjson.dumps(doc).encode(), headers={"content-type": "application/json"}
        )
    )
    assert counts["staff"] == {"received": 2, "created": 2, "updated": 0, "unchanged": 0}
    body = {"name": "吕锦秀", "unit": "v02", "position": "科员", "roles": ["承办人"]}
    created = ok(await client.put(f"/v1/plans/{PLAN}/staff/s3", json=body), 201)
    assert (created["roles"], created["role_labels"], created["version"]) == (["handler"], ["承办人"], 1)
    ok(await client.put(f"/v1/plans/{PLAN}/staff/s3", json=body), 200)
    bad = await client.put(f"/v1/plans/{PLAN}/staff/s4", json={**body, "roles": ["boss"]})
    assert bad.status_code == 422
    ok(await client.post(f"/v1/plans/{PLAN}/staff/s3/remove", json={"reason": "transferred"}))
    listed = ok(await client.get(f"/v1/plans/{PLAN}/staff"))
    assert [(m["id"], m["roles"], m["oversees"]) for m in listed] == [
        ("s1", ["deputy_leader"], ["v02"]),
        ("s2", ["head"], []),
    ]
    assert ok(await client.get(f"/v1/plans/{PLAN}/staff/s3"))["status"] == "removed"
    events = [e for e in await outbox(app) if e.type.startswith("StaffMember")]
    assert [(e.type, payload_of(e).staff_id, e.aggregate_version) for e in events] == [
        ("StaffMemberUpserted", "s1", 1),
        ("StaffMemberUpserted", "s2", 1),
        ("StaffMemberUpserted", "s3", 1),
        ("StaffMemberRemoved", "s3", 2),
    ]
    audit = ok(await client.get(f"/v1/plans/{PLAN}/audit", params={"entity_type": "staff"}))
    assert sorted(a["after"]["name"] for a in audit) == ["刘*", "吕**", "吕**", "朱**"]
    assert "吕锦秀" not in json.dumps(audit, ensure_ascii=False)

    trip = {"unit_id": "v02", "person_id": "s2", "type": "business_trip", "start": "2026-03-01", "end": "2026-03-03"}
    leave = ok(await client.post(f"/v1/plans/{PLAN}/people/leaves", json=trip), 201)
    assert (leave["person"], leave["type_label"]) == ("刘敏", "出差")
    bad = await client.post(f"/v1/plans/{PLAN}/people/leaves", json={**trip, "type": "vacation"})
    assert bad.status_code == 422
    absence = ok(
        await client.post(
            f"/v1/plans/{PLAN}/people/absences",
            json={"unit_id": "v02", "person_id": "s2", "activity": "labour", "date": "2026-03-02"},
        ),
        201,
    )
    assert (absence["excused"], absence["deduction_id"]) == (True, "")

    # the leave form: s1 is 分管领导 of v02 (oversees), s2 its head; a three-day trip needs both, then a 主管领导
    assert leave["approval"] == "pending"
    ok(
        await client.put(f"/v1/plans/{PLAN}/staff/s9", json={"name": "阿克然木", "unit": "v01", "roles": ["主管领导"]}),
        201,
    )
    for approver in ("s2", "s1", "s9"):
        decided = ok(
            await client.post(
                f"/v1/plans/{PLAN}/people/leaves/{leave['id']}/decisions",
                json={"approver": approver, "decision": "approve"},
            )
        )
    assert (decided["approval"], [a["step"] for a in decided["approvals"]]) == (
        "approved",
        ["head", "deputy_leader", "leader"],
    )
    again = await client.post(
        f"/v1/plans/{PLAN}/people/leaves/{leave['id']}/decisions", json={"approver": "s9", "decision": "approve"}
    )
    assert again.status_code == 409


async def test_a_discipline_deduction_of_a_person_over_rest_is_stored_and_published(svc):
    """Migration 0007: deductions.person; DeductionRecorded.person carries it to scoring."""
    app, client = svc
    doc = json.loads(BAILIAN_BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)
    doc["staff"] = [{"id": "s1", "name": "刘敏", "unit": "v02"}, {"id": "s2", "name": "朱建军", "unit": "v01"}]
    headers = {"content-type": "application/json"}
    ok(await client.post("/v1/import", content=exactjson.dumps(doc).encode(), headers=headers))
    body = {"id": "pd-1", "unit_id": "v02", "kind": "discipline", "points": "1", "date": "2026-06-01", "person": "s1"}
    created = ok(await client.post(f"/v1/plans/{PLAN}/deductions", json=body), 201)
    assert (created["person"], created["kind"]) == ("s1", "discipline")
    assert ok(await client.get(f"/v1/plans/{PLAN}/deductions/pd-1"))["person"] == "s1"
    for bad, why in (({"person": "s2"}, "belongs to unit"), ({"kind": "inspection"}, "only a 'discipline'")):
        refused = await client.post(f"/v1/plans/{PLAN}/deductions", json={**body, "id": "pd-2", **bad})
        assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["field"] == "person" and why in refused.text
    assert (await client.get(f"/v1/plans/{PLAN}/deductions/pd-2")).status_code == 404
    [event] = [payload_of(e) for e in await outbox(app) if e.type == "DeductionRecorded" and e.aggregate_id == "pd-1"]
    assert (event.person, event.points) == ("s1", "1")


async def test_a_rejected_leave_form_over_rest_unexcuses_the_absence_it_excused(svc):
    """Migration 0007: absences.excused_by_leave and version; LeaveRecorded/AbsenceRecorded new versions."""
    app, client = svc
    doc = json.loads(BAILIAN_BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)
    doc["staff"] = [
        {"id": "h1", "name": "刘敏", "unit": "v02", "roles": ["head"]},
        {"id": "s1", "name": "武清萍", "unit": "v02"},
    ]
    headers = {"content-type": "application/json"}
    ok(await client.post("/v1/import", content=exactjson.dumps(doc).encode(), headers=headers))
    form = {"unit_id": "v02", "person_id": "s1", "type": "personal", "start": "2026-04-01", "end": "2026-04-01"}
    leave = ok(await client.post(f"/v1/plans/{PLAN}/people/leaves", json=form), 201)
    absence = ok(
        await client.post(
            f"/v1/plans/{PLAN}/people/absences",
            json={"unit_id": "v02", "person_id": "s1", "activity": "study", "date": "2026-04-01"},
        ),
        201,
    )
    assert (absence["excused"], absence["deduction_id"]) == (True, "")  # the pending leave excuses it
    decided = ok(
        await client.post(
            f"/v1/plans/{PLAN}/people/leaves/{leave['id']}/decisions",
            json={"approver": "h1", "decision": "reject", "reason": "no cover"},
        )
    )
    assert decided["approval"] == "rejected"
    listed = ok(await client.get(f"/v1/plans/{PLAN}/discipline/absences"))["items"]
    [judged] = [a for a in listed if a["id"] == absence["id"]]
    assert judged["excused"] is False and judged["deduction_id"]
    events = await outbox(app)
    leaves = [(e.aggregate_version, payload_of(e).approval) for e in events if e.type == "LeaveRecorded"]
    absences = [(e.aggregate_version, payload_of(e).excused) for e in events if e.type == "AbsenceRecorded"]
    assert (leaves, absences) == ([(1, "pending"), (2, "rejected")], [(1, True), (2, False)])
    audit = ok(await client.get(f"/v1/plans/{PLAN}/audit", params={"entity_type": "absence"}))
    assert [a["action"] for a in audit].count("absence.rejudged") == 1
    assert "武清萍" not in json.dumps(audit, ensure_ascii=False)  # masked in every absence row

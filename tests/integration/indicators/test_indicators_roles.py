"""With JIXIAO_AUTH on: unit officers enter for their own units, assessors review, the office
administers; the audit trail names the token's user, whatever the body claims."""

from __future__ import annotations

import grpc
import httpx
import pytest

from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.auth import SECRET, bearer
from services.indicators.app import create_app

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"


@pytest.fixture
async def secured(database_url):
    app = create_app(
        ServiceSettings(service="indicators", grpc_port=0, auth=True, secret_key=SECRET),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:1"),
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://indicators") as c:
            yield c


async def test_roles_decide_who_may_do_what(secured, plan):
    officer = bearer("黄小君", "unit", units=(f"{PLAN}:v01",))
    assessor = bearer("张三", "assessor")
    body = {"period": "Y", "unit": "v01", "indicator": "I1.1", "actual": "11.4", "actor": "someone else"}

    assert (await secured.get(f"/v1/plans/{PLAN}/results")).status_code == 401
    assert (await secured.get(f"/v1/plans/{PLAN}/results", headers=bearer("leader", "leader"))).status_code == 200

    other = await secured.post(f"/v1/plans/{PLAN}/results", json={**body, "unit": "v02"}, headers=officer)
    assert other.status_code == 403 and "v02" in other.json()["detail"]
    created = await secured.post(f"/v1/plans/{PLAN}/results", json=body, headers=officer)
    assert created.status_code == 201, created.text
    rid, etag = created.json()["id"], created.headers["etag"]

    self_confirm = await secured.post(
        f"/v1/results/{rid}/confirm", json={"assessor": "黄小君"}, headers={**officer, "If-Match": etag}
    )
    assert self_confirm.status_code == 403 and "assessor" in self_confirm.json()["detail"]
    confirmed = await secured.post(
        f"/v1/results/{rid}/confirm", json={"assessor": "not me"}, headers={**assessor, "If-Match": etag}
    )
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_by"] == "张三"
    history = (await secured.get(f"/v1/results/{rid}/history", headers=assessor)).json()
    assert [(e["action"], e["actor"]) for e in history] == [("enter", "黄小君"), ("confirm", "张三")]

    # administration is the office's
    close = await secured.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"closed_by": "x"}, headers=assessor)
    assert close.status_code == 403
    imported = await secured.post("/v1/import", json={"plan": {"id": PLAN}}, headers=officer)
    assert imported.status_code == 403
    assert (await secured.get(f"/v1/plans/{PLAN}/periods", headers=officer)).json() == []


@pytest.fixture
async def secured_app(database_url):
    settings = ServiceSettings(service="indicators", grpc_port=0, auth=True, secret_key=SECRET)
    app = create_app(
        settings, DatabaseSettings(database_url=database_url), KafkaSettings(kafka_bootstrap="127.0.0.1:1")
    )
    async with app.router.lifespan_context(app):
        yield app


async def test_grpc_needs_a_system_or_office_token(secured_app, plan):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from jixiao.grpc import channel
    from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc
    from services.scoring.adapters.clients import GrpcSnapshotClient
    from services.scoring.app import service_metadata

    runtime = secured_app.state.runtime
    target = f"127.0.0.1:{runtime.grpc_port}"
    async with channel(target) as ch:
        stub = snapshot_pb2_grpc.SnapshotServiceStub(ch)
        request = snapshot_pb2.GetPositionRequest(plan_id=PLAN)
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.GetPosition(request, timeout=10)
        assert missing.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.aio.AioRpcError) as leader:
            await stub.GetPosition(request, timeout=10, metadata=tuple(bearer("x", "leader").items()))
        assert leader.value.code() == grpc.StatusCode.PERMISSION_DENIED
        stream = stub.StreamSnapshot(snapshot_pb2.StreamSnapshotRequest(plan_id=PLAN), timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as streamed:
            [e async for e in stream]
        assert streamed.value.code() == grpc.StatusCode.UNAUTHENTICATED
        health = await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING  # probes stay open

    # scoring's client mints its own short-lived system token from the shared secret
    client = GrpcSnapshotClient("indicators", target, timeout=10, metadata=service_metadata(runtime.settings))
    try:
        assert await client.position(PLAN) > 0
        assert len(await client.stream(PLAN)) > 37
        assert await client.plans() == [PLAN]  # ListPlans: the plans of the outbox (auth as the others)
    finally:
        await client.close()


async def test_a_unit_officer_lists_their_own_units_self_assessment_reports(secured, plan):
    office = bearer("县绩效办", "office")
    for unit in ("v01", "v02", "v03"):
        put = await secured.put(
            f"/v1/plans/{PLAN}/units/{unit}/reports/Y", json={"text": f"{unit} 自评"}, headers=office
        )
        assert put.status_code == 200, put.text

    def units(page: dict) -> list[str]:
        return [r["unit_id"] for r in page["items"]]

    officer = bearer("黄小君", "unit", units=(f"{PLAN}:v01", f"{PLAN}:v03", "other-plan:v02"))
    mine = await secured.get(f"/v1/plans/{PLAN}/reports", headers=officer)
    assert mine.status_code == 200, mine.text
    assert units(mine.json()) == ["v01", "v03"] and mine.json()["total"] == 2
    whole_plan = await secured.get(f"/v1/plans/{PLAN}/reports", headers=bearer("镇", "unit", units=(f"{PLAN}:*",)))
    assert units(whole_plan.json()) == ["v01", "v02", "v03"]
    elsewhere = await secured.get(f"/v1/plans/{PLAN}/reports", headers=bearer("x", "unit", units=("other-plan:*",)))
    assert elsewhere.status_code == 200 and elsewhere.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert units((await secured.get(f"/v1/plans/{PLAN}/reports", headers=office)).json()) == ["v01", "v02", "v03"]
    interviewer = await secured.get(f"/v1/plans/{PLAN}/reports", headers=bearer("调查员", "interviewer"))
    assert interviewer.status_code == 403

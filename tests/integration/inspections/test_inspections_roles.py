"""With JIXIAO_AUTH on: inspectors record, the deducted unit appeals, the office decides and administers."""

from __future__ import annotations

import httpx
import pytest

from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.auth import SECRET, bearer
from services.inspections.app import create_app

pytestmark = pytest.mark.integration
PLAN = {
    "year": 2026,
    "veto_categories": ["work_safety"],
    "deduction_kinds": [{"kind": "inspection", "cap": 3}],
    "discipline_points_per_absence": "0.5",
    "appeal_window_days": 15,
}


@pytest.fixture
async def client(database_url):
    app = create_app(
        ServiceSettings(service="inspections", grpc_port=0, auth=True, secret_key=SECRET),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:1"),
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://inspections") as c:
            yield c


async def test_roles(client):
    office, inspector = bearer("县绩效办", "office"), bearer("王五", "inspector")
    assert (await client.put("/v1/plans/p1", json=PLAN)).status_code == 401
    assert (await client.put("/v1/plans/p1", json=PLAN, headers=inspector)).status_code == 403
    assert (await client.put("/v1/plans/p1", json=PLAN, headers=office)).status_code == 200

    body = {"unit_id": "u1", "kind": "inspection", "points": "1", "date": "2026-06-01", "aspect": "work_style"}
    assert (
        await client.post("/v1/plans/p1/deductions", json=body, headers=bearer("u1", "unit", units=("p1:u1",)))
    ).status_code == 403
    made = await client.post("/v1/plans/p1/deductions", json=body, headers={**inspector, "X-Actor": "someone"})
    assert made.status_code == 201, made.text
    deduction = made.json()["id"]

    appeal = f"/v1/plans/p1/deductions/{deduction}/appeals"
    stranger = await client.post(appeal, json={"reason": "x"}, headers=bearer("u2", "unit", units=("p1:u2",)))
    assert stranger.status_code == 403 and "u1" in stranger.json()["detail"]
    filed = await client.post(appeal, json={"reason": "已整改"}, headers=bearer("u1主任", "unit", units=("p1:u1",)))
    assert filed.status_code == 201, filed.text
    decide = f"/v1/plans/p1/appeals/{filed.json()['id']}/decision"
    assert (await client.post(decide, json={"decision": "reject", "reason": "x"}, headers=inspector)).status_code == 403

    audit = (await client.get("/v1/plans/p1/audit", headers=inspector)).json()
    actors = {a["action"]: a["actor"] for a in audit}
    assert actors["deduction.recorded"] == "王五" and "u1主任" in actors.values()


async def test_a_unit_officer_lists_their_own_units_appeals(client):
    office, inspector = bearer("县绩效办", "office"), bearer("王五", "inspector")
    assert (await client.put("/v1/plans/p1", json=PLAN, headers=office)).status_code == 200
    for unit in ("u1", "u2"):
        body = {"unit_id": unit, "kind": "inspection", "points": "1", "date": "2026-06-01", "aspect": "work_style"}
        made = await client.post("/v1/plans/p1/deductions", json=body, headers=inspector)
        assert made.status_code == 201, made.text
        filed = await client.post(
            f"/v1/plans/p1/deductions/{made.json()['id']}/appeals",
            json={"reason": f"{unit} 已整改"},
            headers=bearer(unit, "unit", units=(f"p1:{unit}",)),
        )
        assert filed.status_code == 201, filed.text

    def units(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return sorted(a["unit_id"] for a in response.json()["items"])

    u1 = bearer("u1", "unit", units=("p1:u1", "p2:u2"))
    assert units(await client.get("/v1/plans/p1/appeals", headers=u1)) == ["u1"]
    assert units(await client.get("/v1/plans/p1/appeals", params={"unit_id": "u1"}, headers=u1)) == ["u1"]
    assert (await client.get("/v1/plans/p1/appeals", params={"unit_id": "u2"}, headers=u1)).status_code == 403
    whole = bearer("镇", "unit", units=("p1:*",))
    assert units(await client.get("/v1/plans/p1/appeals", headers=whole)) == ["u1", "u2"]
    assert units(await client.get("/v1/plans/p1/appeals", headers=bearer("x", "unit", units=("p2:*",)))) == []
    assert units(await client.get("/v1/plans/p1/appeals", headers=office)) == ["u1", "u2"]
    assert (await client.get("/v1/plans/p1/appeals", headers=bearer("调查员", "interviewer"))).status_code == 403

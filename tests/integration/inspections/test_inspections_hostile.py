"""Inspections tried as an attacker would (auth on): evidence that is HTML is refused and stored
files are served as attachments; a reused finding id is a 409; NUL bytes, control characters,
huge decimals, deep JSON and unbounded paging are refused at the edge; every error is a problem
with the trace id; an over-long x-trace-id does not break audited writes."""

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
OFFICE = bearer("县绩效办", "office")
INSPECTOR = bearer("王五", "inspector")


@pytest.fixture
async def client(database_url):
    app = create_app(
        ServiceSettings(service="inspections", grpc_port=0, auth=True, secret_key=SECRET),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:1"),
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://inspections") as c:
            assert (await c.put("/v1/plans/p1", json=PLAN, headers=OFFICE)).status_code == 200
            yield c


def _form(inspection_id: str, finding_id: str = "f1") -> dict:
    return {
        "id": inspection_id,
        "unit_id": "u7",
        "mode": "unannounced",
        "date": "2026-05-06",
        "inspectors": ["李四"],
        "findings": [{"id": finding_id, "aspect": "efficiency", "description": "窗口无人", "proposed_points": "0.5"}],
    }


async def test_evidence_is_sniffed_and_served_as_an_attachment(client):
    assert (await client.post("/v1/plans/p1/inspections", json=_form("i1"), headers=INSPECTOR)).status_code == 201
    url = "/v1/plans/p1/inspections/i1/findings/f1/evidence"
    html = await client.post(
        url, headers=INSPECTOR, files={"file": ("x.html", b"<script>alert(document.cookie)</script>", "text/html")}
    )
    disguised = await client.post(
        url, headers=INSPECTOR, files={"file": ("x.jpg", b"<script>alert(1)</script>", "image/jpeg")}
    )
    assert (html.status_code, disguised.status_code) == (422, 422)
    photo = await client.post(
        url, headers=INSPECTOR, files={"file": ("../../现场.jpg", b"\xff\xd8\xff data", "image/jpeg")}
    )
    assert photo.status_code == 201, photo.text
    got = await client.get(f"/v1/plans/p1/evidence/{photo.json()['id']}", headers=OFFICE)
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff" and "sandbox" in got.headers["content-security-policy"]


async def test_a_reused_finding_id_on_a_second_inspection_is_a_conflict(client):
    assert (await client.post("/v1/plans/p1/inspections", json=_form("i1"), headers=INSPECTOR)).status_code == 201
    again = await client.post("/v1/plans/p1/inspections", json=_form("i2"), headers=INSPECTOR)
    assert (again.status_code, again.headers["content-type"]) == (409, "application/problem+json")
    assert again.json()["trace_id"] == again.headers["x-trace-id"]


@pytest.mark.parametrize("points", ["1E+999999999", "-5E+30", "1E-999999999"])
async def test_huge_or_tiny_deduction_points_are_refused_at_once(client, points):
    body = {"unit_id": "u1", "kind": "inspection", "points": points, "date": "2026-06-01", "aspect": "work_style"}
    response = await client.post("/v1/plans/p1/deductions", json=body, headers=INSPECTOR)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"unit_id": "u\x001", "kind": "inspection", "points": "1", "date": "2026-06-01", "aspect": "work_style"},
        {"unit_id": "u1\x08", "kind": "inspection", "points": "1", "date": "2026-06-01", "aspect": "work_style"},
    ],
)
async def test_nul_and_control_characters_are_refused(client, body):
    response = await client.post("/v1/plans/p1/deductions", json=body, headers=INSPECTOR)
    assert response.status_code == 422


async def test_deep_json_is_a_400_and_unbounded_queries_422(client):
    deep = await client.post(
        "/v1/import", content=b"[" * 200_000 + b"]" * 200_000, headers={**OFFICE, "content-type": "application/json"}
    )
    assert (deep.status_code, deep.headers["content-type"]) == (400, "application/problem+json")
    for query in ("offset=99999999999999999999", "limit=100000", "year=-817"):
        response = await client.get(
            f"/v1/plans/p1/ledger?{query}" if "year" in query else f"/v1/plans/p1/deductions?{query}", headers=OFFICE
        )
        assert response.status_code == 422, (query, response.text)
    nul = await client.get("/v1/plans/p%001/deductions", headers=OFFICE)
    assert nul.status_code == 400


async def test_an_over_long_trace_id_does_not_break_an_audited_write(client):
    body = {"unit_id": "u1", "kind": "inspection", "points": "1", "date": "2026-06-01", "aspect": "work_style"}
    response = await client.post("/v1/plans/p1/deductions", json=body, headers={**INSPECTOR, "x-trace-id": "t" * 500})
    assert response.status_code == 201, response.text
    assert len(response.headers["x-trace-id"]) <= 64


async def test_a_unit_officer_of_another_plan_may_not_appeal(client):
    body = {"unit_id": "u1", "kind": "inspection", "points": "1", "date": "2026-06-01", "aspect": "work_style"}
    made = (await client.post("/v1/plans/p1/deductions", json=body, headers=INSPECTOR)).json()
    appeal = f"/v1/plans/p1/deductions/{made['id']}/appeals"
    other_plan = await client.post(appeal, json={"reason": "x"}, headers=bearer("u1", "unit", units=("p2:u1",)))
    assert other_plan.status_code == 403
    own = await client.post(appeal, json={"reason": "已整改"}, headers=bearer("u1", "unit", units=("p1:u1",)))
    assert own.status_code == 201, own.text


async def test_the_audit_chain_records_the_token_user_and_shows_tampering(client, database_url, capsys):
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from jixiao_cli.commands.audit import verify_all

    body = {"unit_id": "u1", "kind": "inspection", "points": "1", "date": "2026-06-01", "aspect": "work_style"}
    for points in ("1", "0.5"):
        made = await client.post("/v1/plans/p1/deductions", json={**body, "points": points}, headers=INSPECTOR)
        assert made.status_code == 201, made.text
    assert await verify_all(database_url) == []
    assert "inspections: ok" in capsys.readouterr().out
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            rows = (await conn.execute(text("SELECT seq, actor, role FROM inspections.audit_chain ORDER BY seq"))).all()
            assert [(r.actor, r.role) for r in rows][-2:] == [("王五", "inspector")] * 2
            await conn.execute(
                text("UPDATE inspections.audit_chain SET after = replace(after, '0.5', '0.1') WHERE seq = :s"),
                {"s": rows[-1].seq},
            )
    finally:
        await engine.dispose()
    assert await verify_all(database_url) == ["inspections"]
    assert f"inspections: audit chain broken at row {rows[-1].seq}" in capsys.readouterr().err


async def test_a_token_revoked_by_the_office_is_refused(database_url):
    from jixiao.auth import issue_token, token_id_of
    from jixiao.revocation import revoke

    app = create_app(
        ServiceSettings(service="inspections", grpc_port=0, auth=True, secret_key=SECRET),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:1"),
    )
    token = issue_token(SECRET, "王五", ["inspector"])
    headers = {"authorization": f"Bearer {token}"}
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://inspections") as c:
            assert (await c.get("/v1/plans/p1/deductions", headers=headers)).status_code == 200
            assert await revoke(database_url, token_id_of(token), reason="lost phone") is True
            await app.state.runtime.refresh_revocations()  # what the service does every 15 s
            refused = await c.get("/v1/plans/p1/deductions", headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]

"""Editing inspections and findings over HTTP on real PostgreSQL: ETag/If-Match, the ledger rule, audit,
and the 0002 migration giving existing rows revision 1."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from jixiao.messaging.envelope import decode
from jixiao.migrations import alembic_config
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.inspections.adapters.orm import messaging
from services.inspections.app import create_app

pytestmark = pytest.mark.integration
PLAN = {
    "year": 2026,
    "veto_categories": ["work_safety"],
    "deduction_kinds": [{"kind": "inspection", "cap": 3}],
    "discipline_points_per_absence": "0.5",
    "appeal_window_days": 15,
}
FORM = {
    "id": "i1",
    "unit_id": "u1",
    "mode": "unannounced",
    "date": "2026-05-06",
    "inspectors": ["李四"],
    "findings": [{"id": "f1", "aspect": "efficiency", "description": "窗口无任", "proposed_points": "0.5"}],
}
VISIT = {"unit_id": "u1", "mode": "unannounced", "date": "2026-05-06", "inspectors": ["李四"], "note": ""}
FINDING = {"aspect": "efficiency", "description": "窗口无任", "proposed_points": "0.5"}
INSPECTION_URL = "/v1/plans/p1/inspections/i1"
FINDING_URL = "/v1/plans/p1/inspections/i1/findings/f1"


def make_app(database_url: str, broker_bootstrap: str):
    return create_app(
        ServiceSettings(service="inspections", grpc_port=0, relay_interval_ms=100),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=broker_bootstrap, kafka_partitions=4),
    )


@pytest.fixture
async def svc(database_url, broker_bootstrap):
    app = make_app(database_url, broker_bootstrap)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://inspections") as client:
            ok(await client.put("/v1/plans/p1", json=PLAN))
            created = await client.post(
                "/v1/plans/p1/inspections", json=FORM, headers={"X-Actor": "%E6%9D%8E%E5%9B%9B"}
            )
            assert created.status_code == 201 and created.headers["etag"] == '"1"', created.text
            yield app, client


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()["detail"]


async def audit(client, entity_type: str, entity_id: str) -> list[dict]:
    return ok(await client.get("/v1/plans/p1/audit", params={"entity_type": entity_type, "entity_id": entity_id}))


async def outbox_types(app) -> list[str]:
    t = messaging.outbox
    async with app.state.runtime.db.transaction() as s:
        return [decode(r).type for r in (await s.execute(sa.select(t.c.envelope).order_by(t.c.id))).scalars()]


async def test_edit_an_inspection_with_the_etag_read(svc):
    _, client = svc
    got = await client.get(INSPECTION_URL)
    assert got.headers["etag"] == '"1"' and got.json()["revision"] == 1
    body = {**VISIT, "date": "2026-05-07", "note": "复查", "reason": "the form had the wrong date"}
    put = await client.put(INSPECTION_URL, json=body, headers={"If-Match": '"1"', "X-Actor": "%E7%8E%8B%E4%BA%94"})
    edited = ok(put)
    assert put.headers["etag"] == '"2"' and (edited["revision"], edited["date"], edited["note"]) == (
        2,
        "2026-05-07",
        "复查",
    )
    again = await client.get(INSPECTION_URL)
    assert again.headers["etag"] == '"2"' and again.json() == edited
    rows = await audit(client, "inspection", "i1")
    assert [r["action"] for r in rows] == ["inspection.created", "inspection.edited"]
    row = rows[-1]
    assert (row["actor"], row["reason"]) == ("王五", "the form had the wrong date")
    assert (row["before"]["date"], row["after"]["date"], row["before"]["note"], row["after"]["note"]) == (
        "2026-05-06",
        "2026-05-07",
        "",
        "复查",
    )
    weak = await client.put(INSPECTION_URL, json={**body, "note": "复查2"}, headers={"If-Match": 'W/"2"'})
    assert ok(weak)["revision"] == 3 and weak.headers["etag"] == '"3"'


async def test_no_if_match_is_428_and_a_stale_one_412_and_nothing_changes(svc):
    _, client = svc
    body = {**VISIT, "note": "first", "reason": "r"}
    ok(await client.put(INSPECTION_URL, json=body, headers={"If-Match": '"1"'}))
    before = await client.get(INSPECTION_URL)
    n_audit = len(ok(await client.get("/v1/plans/p1/audit")))

    assert "If-Match" in problem(await client.put(INSPECTION_URL, json={**body, "note": "second"}), 428)
    stale = await client.put(INSPECTION_URL, json={**body, "note": "second"}, headers={"If-Match": '"1"'})
    assert "now at revision 2, not 1" in problem(stale, 412)
    problem(await client.put(INSPECTION_URL, json={**body, "note": "second"}, headers={"If-Match": "*"}), 412)
    problem(await client.put(FINDING_URL, json={**FINDING, "description": "x", "reason": "r"}), 428)
    problem(
        await client.put(FINDING_URL, json={**FINDING, "description": "x", "reason": "r"}, headers={"If-Match": '"7"'}),
        412,
    )

    after = await client.get(INSPECTION_URL)
    assert after.json() == before.json() and after.headers["etag"] == '"2"'
    assert after.json()["note"] == "first" and after.json()["findings"][0]["description"] == "窗口无任"
    assert len(ok(await client.get("/v1/plans/p1/audit"))) == n_audit


async def test_two_inspectors_editing_from_the_same_etag_one_wins_one_is_told(svc):
    _, client = svc
    edits = [{**VISIT, "note": note, "reason": "r"} for note in ("by A", "by B")]
    both = await asyncio.gather(*(client.put(INSPECTION_URL, json=body, headers={"If-Match": '"1"'}) for body in edits))
    assert sorted(r.status_code for r in both) == [200, 412]
    winner = next(r for r in both if r.status_code == 200).json()
    got = ok(await client.get(INSPECTION_URL))
    assert got == winner and got["revision"] == 2
    assert [r["action"] for r in await audit(client, "inspection", "i1")] == ["inspection.created", "inspection.edited"]


async def test_edit_a_finding_moves_its_etag_and_the_inspection_s(svc):
    _, client = svc
    got = await client.get(FINDING_URL)
    assert got.headers["etag"] == '"1"' and got.json()["description"] == "窗口无任"
    body = {**FINDING, "description": "窗口无人", "proposed_points": 1, "reason": "typo; 1 point per the rules"}
    put = await client.put(FINDING_URL, json=body, headers={"If-Match": '"1"', "X-Actor": "office"})
    edited = ok(put)
    assert put.headers["etag"] == '"2"' and (edited["description"], edited["proposed_points"]) == ("窗口无人", "1")
    inspection = await client.get(INSPECTION_URL)
    assert inspection.headers["etag"] == '"2"' and inspection.json()["findings"] == [edited]
    [row] = [r for r in await audit(client, "finding", "f1") if r["action"] == "finding.edited"]
    assert (row["actor"], row["reason"], row["before"]["proposed_points"], row["after"]["proposed_points"]) == (
        "office",
        "typo; 1 point per the rules",
        "0.5",
        "1",
    )
    added = await client.post(
        "/v1/plans/p1/inspections/i1/findings", json={"id": "f2", "aspect": "attitude", "description": "态度生硬"}
    )
    assert ok(added, 201)["revision"] == 1 and added.headers["etag"] == '"1"'
    assert (await client.get(INSPECTION_URL)).headers["etag"] == '"3"'
    missing_reason = await client.put(FINDING_URL, json={**body, "reason": " "}, headers={"If-Match": '"2"'})
    assert missing_reason.status_code == 422


async def test_a_finding_that_became_a_deduction_keeps_its_points_until_revoked(svc):
    app, client = svc
    d = ok(await client.post(f"{FINDING_URL}/deduction", json={}), 201)
    f = await client.get(FINDING_URL)
    assert f.headers["etag"] == '"2"' and f.json()["deduction_id"] == d["id"]

    refused = await client.put(
        FINDING_URL, json={**FINDING, "proposed_points": "1", "reason": "r"}, headers={"If-Match": '"2"'}
    )
    detail = problem(refused, 409)
    assert f"POST /v1/plans/p1/deductions/{d['id']}/revoke" in detail and "record a new one" in detail
    etag = (await client.get(INSPECTION_URL)).headers["etag"]
    moved = await client.put(
        INSPECTION_URL, json={**VISIT, "unit_id": "u2", "reason": "wrong unit"}, headers={"If-Match": etag}
    )
    assert "revoke" in problem(moved, 409)
    assert ok(await client.get(FINDING_URL))["proposed_points"] == "0.5"
    assert ok(await client.get(f"/v1/plans/p1/deductions/{d['id']}"))["points"] == "0.5"
    assert ok(await client.get(INSPECTION_URL))["unit_id"] == "u1"

    typo = await client.put(
        FINDING_URL, json={**FINDING, "description": "窗口无人", "reason": "typo"}, headers={"If-Match": '"2"'}
    )
    assert ok(typo)["description"] == "窗口无人" and typo.headers["etag"] == '"3"'

    ok(await client.post(f"/v1/plans/p1/deductions/{d['id']}/revoke", json={"reason": "wrong unit"}))
    etag = (await client.get(INSPECTION_URL)).headers["etag"]
    moved = await client.put(
        INSPECTION_URL, json={**VISIT, "unit_id": "u2", "reason": "wrong unit"}, headers={"If-Match": etag}
    )
    assert ok(moved)["unit_id"] == "u2"
    new = ok(
        await client.post(
            "/v1/plans/p1/inspections/i1/findings",
            json={"id": "f3", "aspect": "efficiency", "description": "窗口无人", "proposed_points": "0.5"},
        ),
        201,
    )
    d2 = ok(await client.post(f"/v1/plans/p1/inspections/i1/findings/{new['id']}/deduction", json={}), 201)
    assert (d2["unit_id"], d2["points"]) == ("u2", "0.5")
    assert await outbox_types(app) == ["DeductionRecorded", "DeductionRevoked", "DeductionRecorded"]


async def test_edits_of_what_does_not_exist_are_404(svc):
    _, client = svc
    visit = {**VISIT, "reason": "r"}
    finding = {**FINDING, "reason": "r"}
    match = {"If-Match": '"1"'}
    for response in [
        await client.put("/v1/plans/p1/inspections/nope", json=visit, headers=match),
        await client.put("/v1/plans/p1/inspections/nope/findings/f1", json=finding, headers=match),
        await client.put("/v1/plans/p1/inspections/i1/findings/nope", json=finding, headers=match),
        await client.put("/v1/plans/other/inspections/i1", json=visit, headers=match),
        await client.get("/v1/plans/p1/inspections/i1/findings/nope"),
        await client.get("/v1/plans/p1/inspections/nope/findings/f1"),
    ]:
        assert "not found" in problem(response, 404)


async def test_existing_rows_get_revision_1(database_url, broker_bootstrap):
    """A database migrated before 0002 keeps its inspections; after the upgrade they are at revision 1."""
    engine = create_async_engine(database_url, connect_args={"server_settings": {"search_path": "inspections"}})
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text('CREATE SCHEMA "inspections"'))
            cfg = alembic_config("inspections", "inspections")

            def upgrade(sync_conn) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, "0001")

            await conn.run_sync(upgrade)
            await conn.execute(
                sa.text(
                    "INSERT INTO plans (plan_id, year, veto_categories, kinds, discipline_points, appeal_window_days) "
                    """VALUES ('p1', 2026, '["work_safety"]', '{"inspection": "3"}', 0.5, 15)"""
                )
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO inspections (plan_id, id, unit_id, mode, date, inspectors) "
                    """VALUES ('p1', 'old', 'u1', 'announced', '2026-03-01', '["张三"]')"""
                )
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO findings (plan_id, id, inspection_id, position, aspect, description) "
                    "VALUES ('p1', 'fo', 'old', 0, 'duties', 'old finding')"
                )
            )
    finally:
        await engine.dispose()

    app = make_app(database_url, broker_bootstrap)  # migrates to head on start
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://inspections") as client:
            got = await client.get("/v1/plans/p1/inspections/old")
            assert got.headers["etag"] == '"1"' and got.json()["findings"][0]["revision"] == 1
            put = await client.put(
                "/v1/plans/p1/inspections/old/findings/fo",
                json={
                    "aspect": "duties",
                    "description": "an old finding",
                    "proposed_points": None,
                    "reason": "wording",
                },
                headers={"If-Match": '"1"'},
            )
            assert ok(put)["revision"] == 2
            rows = ok(await client.get("/v1/plans/p1/audit"))
            assert [(r["action"], r["reason"]) for r in rows] == [("finding.edited", "wording")]


async def test_revoke_and_lift_check_an_if_match_when_given(svc):
    _app, client = svc
    assert (await client.put("/v1/plans/p1", json=PLAN)).status_code == 200
    body = {"unit_id": "u1", "kind": "inspection", "points": "1", "date": "2026-06-01", "aspect": "work_style"}
    made = await client.post("/v1/plans/p1/deductions", json=body)
    url = f"/v1/plans/p1/deductions/{made.json()['id']}"
    etag = (await client.get(url)).headers["etag"]
    stale = await client.post(url + "/revoke", json={"reason": "x"}, headers={"If-Match": '"99"'})
    assert stale.status_code == 412 and "changed since you read it" in stale.json()["detail"]
    assert (await client.get(url)).json()["status"] == "active"  # nothing happened
    revoked = await client.post(url + "/revoke", json={"reason": "复核撤销"}, headers={"If-Match": etag})
    assert revoked.status_code == 200 and revoked.headers["etag"] != etag

    veto = await client.post(
        "/v1/plans/p1/vetoes", json={"unit_id": "u1", "category": "work_safety", "date": "2026-06-02"}
    )
    assert veto.status_code == 201, veto.text
    vurl = f"/v1/plans/p1/vetoes/{veto.json()['id']}"
    assert (await client.post(vurl + "/lift", json={"reason": "x"}, headers={"If-Match": '"0"'})).status_code == 412
    lifted = await client.post(vurl + "/lift", json={"reason": "误报"})  # no If-Match: still allowed
    assert lifted.status_code == 200 and lifted.json()["status"] == "lifted"

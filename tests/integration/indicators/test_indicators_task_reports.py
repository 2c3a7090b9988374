"""Task reporting cadence over REST on PostgreSQL: several people per role, measures, progress by
reporting slot (a slot the cadence has not is refused naming the field), late and missing reports."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.rules import exactjson

pytestmark = pytest.mark.integration
TASKS = "/v1/plans/bailian-2026/tasks"
JSON = {"content-type": "application/json"}


async def send(client, method: str, url: str, body: dict | None = None, etag: str | None = None):
    headers = {**JSON, **({"If-Match": etag} if etag else {})}
    return await client.request(method, url, content=None if body is None else exactjson.dumps(body), headers=headers)


def task(**changes) -> dict:
    return {
        "indicator": "I1.1",
        "unit": "a01",
        "title": "公路建设信息",
        "quantity": Decimal("75"),
        "unit_of_measure": "km",
        "deadline": "2026-04-30",
        "lead": [{"staff_id": "s-01", "name": "白建国"}, "阿克然木·玉努斯"],  # two 主管领导
        "deputy": ["朱建军", "纪家"],
        "head": "陈清河",
        "handlers": ["夏国强", {"name": "杨炜丽"}],
        "measures": "每半个月上报一份公路建设信息",
        "expected_effects": "全年完成75公里",
        "cadence": "half_monthly",
        **changes,
    }


async def test_a_task_with_a_cadence_several_leaders_and_its_late_and_missing_reports(client, plan):
    created = await send(client, "POST", TASKS, task())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["lead"] == [{"staff_id": "s-01", "name": "白建国"}, {"staff_id": None, "name": "阿克然木·玉努斯"}]
    assert [p["name"] for p in body["deputy"]] == ["朱建军", "纪家"] and body["head"][0]["name"] == "陈清河"
    assert (body["measures"], body["expected_effects"], body["cadence"]) == (
        "每半个月上报一份公路建设信息",
        "全年完成75公里",
        "half_monthly",
    )
    assert (await client.get(f"{TASKS}/{body['id']}")).json() == body
    url = f"{TASKS}/{body['id']}/progress"
    wrong = await send(client, "POST", url, {"slot": "2026-03", "done": 1, "recorded_by": "夏国强"}, '"1"')
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("application/problem+json")
    assert wrong.json()["errors"][0]["field"] == "slot"
    assert (await client.get(f"{TASKS}/{body['id']}")).json()["revision"] == 1  # nothing stored
    ok = await send(client, "POST", url, {"slot": "2026-01-H1", "done": 3, "recorded_by": "夏国强"}, '"1"')
    assert ok.status_code == 200, ok.text
    assert [(e["slot"], e["done"]) for e in ok.json()["progress"]] == [("2026-01-H1", "3")]
    bad_task = await send(client, "POST", TASKS, task(cadence="weekly", lead=[{}]))
    assert bad_task.status_code == 422 and {e["field"] for e in bad_task.json()["errors"]} == {"cadence", "lead[0]"}
    other = await send(client, "POST", TASKS, task(unit="v03", cadence="monthly", deadline="2026-02-28"))
    assert other.status_code == 201

    # 2026-01-H1 was entered today: as of 2026-02-20 it was not reported yet
    listed = await client.get(f"{TASKS}/late-reports", params={"as_of": "2026-02-20"})
    assert listed.status_code == 200, listed.text
    rows = [(r["unit_id"], r["slot"], r["due"], r["status"]) for r in listed.json()["items"]]
    assert rows == [
        ("a01", "2026-01-H1", "2026-01-15", "missing"),
        ("a01", "2026-01-H2", "2026-01-31", "missing"),
        ("a01", "2026-02-H1", "2026-02-15", "missing"),
        ("v03", "2026-01", "2026-01-31", "missing"),
    ]
    first = listed.json()["items"][1]
    assert (first["task_id"], first["title"], first["days_late"]) == (body["id"], "公路建设信息", 20)
    v03 = await client.get(f"{TASKS}/late-reports", params={"as_of": "2026-03-05", "unit": "v03", "limit": 1})
    assert v03.json()["total"] == 2 and [r["slot"] for r in v03.json()["items"]] == ["2026-01"]


def staff_event(sid: str, name: str, version: int = 1, removed: bool = False):
    from jixiao.messaging.envelope import make_envelope
    from jixiao.proto.events.v1 import people_pb2

    payload = (
        people_pb2.StaffMemberRemoved(plan_id="bailian-2026", unit_id="a01", staff_id=sid, version=version)
        if removed
        else people_pb2.StaffMemberUpserted(
            plan_id="bailian-2026", unit_id="a01", staff_id=sid, name=name, roles=["leader"], version=version
        )
    )
    return make_envelope(
        source="inspections", plan_id="bailian-2026", unit_id="a01", aggregate_id=sid, version=version, payload=payload
    )


async def test_the_staff_register_from_inspections_checks_the_ids_of_the_chain(app, client, plan):
    """Migration 0007: indicators keeps inspections' StaffMember* events (its consumer's handler)."""
    from services.indicators.entrypoints.consumer import make_handler

    handler = make_handler(app.state.runtime)
    async with app.state.runtime.db.transaction() as session:
        for env in (staff_event("s-01", "白建国"), staff_event("s-02", "阿克然木"), staff_event("s-02", "", 2, True)):
            await handler.apply(session, env)
    created = await send(client, "POST", TASKS, task(lead=[{"staff_id": "s-01"}, "阿克然木·玉努斯"]))
    assert created.status_code == 201, created.text
    assert created.json()["lead"] == [
        {"staff_id": "s-01", "name": "白建国"},
        {"staff_id": None, "name": "阿克然木·玉努斯"},
    ]
    for lead in ([{"staff_id": "s-02"}], [{"staff_id": "nobody"}]):  # removed, unknown
        refused = await send(client, "POST", TASKS, task(lead=lead))
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "lead[0].staff_id"


async def test_tasks_stored_before_0006_keep_their_people_as_one_person_roles(database_url):
    """Migration 0006 turns the single-name roles (and handlers' names) of stored tasks into person lists."""
    import httpx
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy.ext.asyncio import create_async_engine

    from jixiao.migrations import alembic_config
    from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
    from services.indicators.app import create_app

    engine = create_async_engine(database_url, connect_args={"server_settings": {"search_path": "indicators"}})
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text('CREATE SCHEMA "indicators"'))
            cfg = alembic_config("indicators", "indicators")

            def upgrade(sync_conn) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, "0005")

            await conn.run_sync(upgrade)
            await conn.execute(
                sa.text(
                    "INSERT INTO plans (id, year, name, body, indicators, status, version, revision) "
                    """VALUES ('p0', 2026, '方案', '{}', '[]', 'published', 1, 1)"""
                )
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO tasks (id, plan_id, indicator_id, unit_id, title, quantity, unit_of_measure, "
                    "deadline, lead, deputy, head, handlers, progress, revision) VALUES ('t0', 'p0', 'I1.1', "
                    """'a01', '村道', 12, 'km', '2026-09-30', '黄小君', NULL, '杨金文', '["甲", "乙"]', '[]', 1)"""
                )
            )
    finally:
        await engine.dispose()
    app = create_app(
        ServiceSettings(service="indicators", grpc_port=0),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:1"),
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://indicators") as c:
            got = await c.get("/v1/plans/p0/tasks/t0")
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["lead"], body["deputy"], body["head"]) == (
        [{"staff_id": None, "name": "黄小君"}],
        [],
        [{"staff_id": None, "name": "杨金文"}],
    )
    assert body["handlers"] == [{"staff_id": None, "name": "甲"}, {"staff_id": None, "name": "乙"}]
    assert (body["cadence"], body["measures"]) == (None, None)

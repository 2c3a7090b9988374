"""Surveys with auth on: the office enters a unit's survey score from its own evaluation (used as
given, winning over responses, published as external), and every state change lands in the surveys
audit chain, whose tampering `jixiao audit verify` names."""

from __future__ import annotations

import json

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.auth import SECRET, bearer
from jixiao_cli.commands.audit import verify_all
from services.surveys.app import create_app

from .conftest import bundle_plan, hand_responses, outbox_events, to_json

pytestmark = pytest.mark.integration
OFFICE = bearer("县绩效办", "office")
INTERVIEWER = bearer("李四", "interviewer")
SCORE = "/v1/plans/p1/rounds/mid/units/u1/external-score"


@pytest.fixture
async def svc(database_url):
    app = create_app(
        ServiceSettings(service="surveys", grpc_port=0, auth=True, secret_key=SECRET),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:9"),
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://surveys") as c:
            doc = {**bundle_plan(), "survey_responses": hand_responses("u1", "a")}
            imported = await c.post(
                "/v1/import", content=to_json(doc), headers={**OFFICE, "content-type": "application/json"}
            )
            assert imported.status_code == 200, imported.text
            yield app, c


def _put(c: httpx.AsyncClient, body: str, headers=OFFICE):
    return c.put(SCORE, content=body, headers={**headers, "content-type": "application/json"})


async def test_the_office_enters_an_external_score_that_wins_and_can_be_removed(svc):
    app, c = svc
    body = '{"score": 91.35, "source": "县效能办", "document": "县效办〔2026〕7号", "note": "年中评议"}'
    assert (await _put(c, body, INTERVIEWER)).status_code == 403
    bad = await _put(c, body.replace("91.35", "100.5"))
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "$.score" in bad.text
    put = await _put(c, body)
    assert put.status_code == 200, put.text
    assert put.json()["entered_by"] == "县绩效办" and put.json()["score"] == "91.35"
    score = (await c.get("/v1/plans/p1/rounds/mid/units/u1/score", headers=INTERVIEWER)).json()
    assert (score["score"], score["se"], score["external"], score["document"]) == (
        "91.35",
        None,
        True,
        "县效办〔2026〕7号",
    )
    listed = (await c.get("/v1/plans/p1/external-scores", headers=INTERVIEWER)).json()
    assert [(e["unit"], e["round"]) for e in listed] == [("u1", "mid")]
    last = [p for _, p in await outbox_events(app) if p.unit_id == "u1" and p.round_id == "mid"][-1]
    assert (last.external, last.score, last.se, last.responses, last.source) == (True, "91.35", "", 0, "县效能办")

    assert (await c.delete(SCORE, headers=INTERVIEWER)).status_code == 403
    assert (await c.delete(SCORE, headers=OFFICE)).status_code == 204
    assert (await c.get(SCORE, headers=OFFICE)).status_code == 404
    back = [p for _, p in await outbox_events(app) if p.unit_id == "u1" and p.round_id == "mid"][-1]
    assert not back.external and back.responses == 6 and back.score == "56"


async def test_every_change_is_in_the_audit_chain_and_tampering_is_named(svc, database_url, capsys):
    _, c = svc
    body = '{"score": 88, "source": "县效能办", "document": "文号"}'
    assert (await _put(c, body)).status_code == 200
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.text("SELECT seq, actor, role, action, after FROM surveys.audit_chain ORDER BY seq")
                )
            ).all()
        actions = [r.action for r in rows]
        assert "plan.stored" in actions and "responses.accepted" in actions
        assert "external_score.entered" in actions and "SurveyScoreUpdated" in actions
        entered = next(r for r in rows if r.action == "external_score.entered")
        assert (entered.actor, entered.role) == ("县绩效办", "office")
        assert json.loads(entered.after)["document"] == "文号"
        assert await verify_all(database_url) == []
        assert "surveys: ok" in capsys.readouterr().out

        async with engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE surveys.audit_chain SET after = replace(after, '88', '98') WHERE seq = :s"),
                {"s": entered.seq},
            )
        assert await verify_all(database_url) == ["surveys"]
        assert f"surveys: audit chain broken at row {entered.seq}" in capsys.readouterr().err

        async with engine.begin() as conn:  # put it back, then delete a row: the next one is named
            await conn.execute(
                sa.text("UPDATE surveys.audit_chain SET after = replace(after, '98', '88') WHERE seq = :s"),
                {"s": entered.seq},
            )
            await conn.execute(sa.text("DELETE FROM surveys.audit_chain WHERE seq = :s"), {"s": rows[0].seq})
        assert await verify_all(database_url) == ["surveys"]
        assert f"surveys: audit chain broken at row {rows[1].seq}" in capsys.readouterr().err
    finally:
        await engine.dispose()

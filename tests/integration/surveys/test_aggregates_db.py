"""The running aggregates on PostgreSQL: equal to a recount of the stored responses, and the published
round scores equal the rules' from-scratch computation, through re-deliveries, concurrent imports,
answer-score changes and the migration that backfills them."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from jixiao.migrations import alembic_config, migrate
from jixiao.rules.model import SurveyResponse
from jixiao.rules.survey import round_score
from services.surveys.adapters import orm
from services.surveys.domain.aggregates import score_key
from services.surveys.service.handlers import load_context
from services.surveys.service.unit_of_work import SqlAlchemySurveysUnitOfWork

from .conftest import bundle_plan, outbox_events, post_json, raw_session, to_json

pytestmark = pytest.mark.integration
D = Decimal
ANSWERS = ["satisfied", "basically_satisfied", "dissatisfied", None, "no_answer"]
STRATA = ["urban_resident", "rural_resident", "business"]


def random_responses(rng: random.Random, n: int, start: int = 0) -> list[dict]:
    """u1 and u2 of bundle_plan (only u2 weighs `business`); few items, so equal response scores
    repeat (long runs of one value) and means repeat (thirds, sevenths)."""
    out = []
    for i in range(n):
        unit = rng.choice(("u1", "u2"))
        out.append(
            {
                "id": f"x{start + i}",
                "unit": unit,
                "round": rng.choice(("mid", "final")),
                "stratum": rng.choice(STRATA if unit == "u2" else STRATA[:2]),
                "mode": "phone",
                "answers": [rng.choice(ANSWERS) for _ in range(rng.choice((1, 3, 7)))],
            }
        )
    return out


async def check_against_a_recount(app, plan_id: str = "p1") -> int:
    """Aggregates == a recount of the responses table; every stored score == round_score from scratch."""
    runtime = app.state.runtime
    async with SqlAlchemySurveysUnitOfWork(runtime) as uow:
        ctx = await load_context(uow.repo, plan_id)
        pairs = await uow.repo.unit_rounds_with_responses(plan_id)
        responses = await uow.repo.responses_of(plan_id, pairs)
        stored = {(s.unit_id, s.round_id): s for s in await uow.repo.get_scores(plan_id)}
    async with raw_session(app) as s:
        t = orm.response_aggregates
        aggregates = {
            (r.unit_id, r.round_id, r.stratum, r.score): r.responses
            for r in await s.execute(sa.select(t).where(t.c.plan_id == plan_id))
        }
        in_table = (
            await s.execute(
                sa.select(sa.func.count()).select_from(orm.responses).where(orm.responses.c.plan_id == plan_id)
            )
        ).scalar_one()
    recount = Counter(
        (r.unit_id, r.round_id, r.stratum, score_key(r.answers, ctx.plan.answer_scores))
        for rows in responses.values()
        for r in rows
    )
    assert aggregates == dict(recount) and sum(recount.values()) == in_table
    assert set(stored) == set(pairs)
    for (unit, rnd), rows in responses.items():
        rs = round_score(
            rnd,
            [SurveyResponse(r.response_id, r.round_id, r.stratum, r.answers) for r in rows],
            ctx.unit_weights(unit),
            ctx.plan.answer_scores,
        )
        s = stored[(unit, rnd)]
        assert (s.score, s.se, s.responses) == (str(rs.score), str(rs.se), len(rows)), (unit, rnd)
        assert s.strata == [
            {"stratum": h.stratum, "n": h.n, "mean": str(h.mean), "sd": str(h.sd), "weight": str(h.weight)}
            for h in rs.strata
        ]
    return in_table


def versions_in_order(events) -> None:
    """Each (unit, round) published versions 1, 2, 3 ... once each, whatever ran concurrently."""
    seen: dict[tuple[str, str], list[int]] = {}
    for _, p in events:
        seen.setdefault((p.unit_id, p.round_id), []).append(p.version)
    for pair, versions in seen.items():
        assert versions == list(range(1, len(versions) + 1)), pair


async def test_random_batches_redeliveries_and_concurrent_imports_keep_the_aggregates_exact(svc):
    app, client = svc
    rng = random.Random(2026)
    doc = bundle_plan()
    doc["survey_responses"] = random_responses(rng, 300)
    assert (await post_json(client, "/v1/import", doc)).status_code == 200
    sent = list(doc["survey_responses"])
    for start in (300, 700):
        batch = random_responses(rng, 400, start)
        again = rng.sample(sent, 50)  # identical re-deliveries
        differing = [{**r, "answers": ["dissatisfied"]} for r in rng.sample(sent, 5)]
        r = await post_json(client, "/v1/plans/p1/responses", {"responses": batch + again + differing})
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["accepted"], body["unchanged"], body["ignored_differing"]) == (400, 50, 5)
        sent += batch
    assert await check_against_a_recount(app) == 1100

    # two overlapping imports at once: each response counts once, versions stay a sequence
    one, two = random_responses(rng, 300, 2000), random_responses(rng, 300, 2200)
    replies = await asyncio.gather(
        post_json(client, "/v1/plans/p1/responses", {"responses": one}),
        post_json(client, "/v1/plans/p1/responses", {"responses": two}),
    )
    assert [r.status_code for r in replies] == [200, 200]
    assert sum(r.json()["accepted"] for r in replies) == 500  # x2200..x2299 were in both
    assert await check_against_a_recount(app) == 1600
    versions_in_order(await outbox_events(app))

    # the same pair from two requests that share no response and no aggregate row: nothing in the
    # rows makes one wait for the other, only the plan's lock keeps the second from scoring without the first
    for k in range(3):
        urban = [
            {
                "id": f"c{k}-u{i}",
                "unit": "u1",
                "round": "mid",
                "stratum": "urban_resident",
                "answers": ["satisfied"] * (k + 2),
            }
            for i in range(60)
        ]
        rural = [
            {
                "id": f"c{k}-r{i}",
                "unit": "u1",
                "round": "mid",
                "stratum": "rural_resident",
                "answers": ["dissatisfied", "basically_satisfied", "dissatisfied"][: k + 1] + ["no_answer"],
            }
            for i in range(60)
        ]
        replies = await asyncio.gather(
            post_json(client, "/v1/plans/p1/responses", {"responses": urban}),
            post_json(client, "/v1/plans/p1/responses", {"responses": rural}),
        )
        assert [r.status_code for r in replies] == [200, 200]
    assert await check_against_a_recount(app) == 1960
    versions_in_order(await outbox_events(app))

    # the whole bundle once more changes nothing
    again = await post_json(client, "/v1/import", {**doc, "survey_responses": sent})
    assert again.json()["survey_responses"]["accepted"] == 0
    assert again.json()["survey_responses"]["scores_updated"] == 0


async def test_answer_score_change_rebuilds_the_aggregates_and_republishes(svc):
    app, client = svc
    rng = random.Random(7)
    doc = bundle_plan()
    doc["survey_responses"] = random_responses(rng, 500)
    assert (await post_json(client, "/v1/import", doc)).status_code == 200
    pairs = len((await client.get("/v1/plans/p1/scores")).json())
    before = len(await outbox_events(app))
    changed = bundle_plan()
    changed["plan"]["survey"]["answer_scores"] = {
        "satisfied": 100,
        "basically_satisfied": D("66.5"),
        "dissatisfied": 10,
    }
    r = await client.put("/v1/plans/p1", content=to_json(changed), headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["scores_updated"] == pairs == 4
    assert await check_against_a_recount(app) == 500
    events = await outbox_events(app)
    assert len(events) == before + pairs and {p.version for _, p in events[before:]} == {2}

    # an answer that stored responses use cannot lose its score: refused, nothing changes
    dropped = bundle_plan()
    dropped["plan"]["survey"]["answer_scores"] = {"satisfied": 100, "dissatisfied": 10}
    r = await client.put("/v1/plans/p1", content=to_json(dropped), headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["$.plan.survey.answer_scores"]
    assert "'basically_satisfied'" in r.json()["errors"][0]["message"]
    assert len(await outbox_events(app)) == len(events)
    assert await check_against_a_recount(app) == 500


async def _upgrade(url: str, target: str) -> None:
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": "surveys"}})
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text('CREATE SCHEMA IF NOT EXISTS "surveys"'))
            cfg = alembic_config("surveys", "surveys")

            def upgrade(sync_conn) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, target)

            await conn.run_sync(upgrade)
    finally:
        await engine.dispose()


async def test_the_migration_backfills_aggregates_that_the_next_batch_builds_on(database_url, make_app):
    await _upgrade(database_url, "0001")
    rng = random.Random(3)
    plans = {
        "p1": {"satisfied": "100", "basically_satisfied": "80", "dissatisfied": "0"},
        "p2": {"satisfied": "90.5", "basically_satisfied": "60", "dissatisfied": "12.25"},
    }
    rows = {plan: random_responses(rng, 700) for plan in plans}
    engine = create_async_engine(database_url, connect_args={"server_settings": {"search_path": "surveys"}})
    try:
        async with engine.begin() as conn:
            for plan, scores in plans.items():
                await conn.execute(
                    sa.text(
                        "INSERT INTO plans (plan_id, name, year, answer_scores)"
                        " VALUES (:p, '', 2026, CAST(:s AS jsonb))"
                    ),
                    {"p": plan, "s": json.dumps(scores)},
                )
                for rnd, weight, period in (("mid", "0.5", "H1"), ("final", "0.5", "Y")):
                    await conn.execute(
                        sa.text("INSERT INTO rounds (plan_id, round_id, weight, period) VALUES (:p, :r, :w, :y)"),
                        {"p": plan, "r": rnd, "w": D(weight), "y": period},
                    )
                for unit in ("u1", "u2"):
                    await conn.execute(
                        sa.text("INSERT INTO units (plan_id, unit_id) VALUES (:p, :u)"), {"p": plan, "u": unit}
                    )
                for stratum, weight in (("urban_resident", "0.4"), ("rural_resident", "0.6"), ("business", "0.3")):
                    await conn.execute(
                        sa.text("INSERT INTO strata (plan_id, unit_id, stratum, weight) VALUES (:p, '', :s, :w)"),
                        {"p": plan, "s": stratum, "w": D(weight)},
                    )
                await conn.execute(
                    sa.text(
                        "INSERT INTO responses (plan_id, response_id, unit_id, round_id, stratum, mode, answers)"
                        " VALUES (:p, :id, :unit, :round, :stratum, :mode, :answers)"
                    ),
                    [
                        {"p": plan, **{k: r[k] for k in ("id", "unit", "round", "stratum", "mode", "answers")}}
                        for r in rows[plan]
                    ],
                )
    finally:
        await engine.dispose()
    await migrate(database_url, "surveys")

    app = make_app()
    async with app.router.lifespan_context(app):
        async with raw_session(app) as s:
            t = orm.response_aggregates
            got = {
                (r.plan_id, r.unit_id, r.round_id, r.stratum, r.score): r.responses
                for r in await s.execute(sa.select(t))
            }
            assert (await s.execute(sa.select(orm.plans.c.version))).scalars().all() == [0, 0]
        want = Counter(
            (
                plan,
                r["unit"],
                r["round"],
                r["stratum"],
                score_key(r["answers"], {a: D(v) for a, v in plans[plan].items()}),
            )
            for plan in plans
            for r in rows[plan]
        )
        assert got == dict(want)
        # the next batch adds to the backfilled aggregates: every pair it touches is re-scored exactly
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://surveys") as client:
            for plan in plans:
                more = [{**r, "id": f"{plan}-{r['id']}"} for r in random_responses(rng, 200, 5000)]
                r = await post_json(client, f"/v1/plans/{plan}/responses", {"responses": more})
                assert r.status_code == 200, r.text
                assert r.json()["scores_updated"] == 4
                assert await check_against_a_recount(app, plan) == 900

"""The surveys consumer on the real broker: plans and units published by the indicators service.

One app (one consumer-group join, ~5 s) for the module; each test uses its own plan id, since the
session broker and the group's offsets are shared.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

from jixiao.messaging.envelope import decode, make_envelope
from jixiao.messaging.topics import INDICATORS, ensure_topics
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.rules import exactjson
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.servers import fresh_database
from services.surveys.adapters import orm
from services.surveys.app import create_app

from .conftest import bundle_plan, hand_responses, outbox_events, post_json, raw_session

pytestmark = pytest.mark.integration
D = Decimal
DEADLINE_S = 60


class Harness:
    def __init__(self, app, http: httpx.AsyncClient, producer: AIOKafkaProducer) -> None:
        self.app, self.http, self.producer = app, http, producer

    async def send(self, *payloads) -> list:
        """Publish as the indicators relay does: keyed by unit id, else plan id."""
        envs = []
        for p in payloads:
            unit = getattr(p, "unit_id", "")
            env = make_envelope(
                source="indicators",
                payload=p,
                plan_id=p.plan_id,
                unit_id=unit,
                aggregate_id=f"unit:{unit}" if unit else p.plan_id,
                version=getattr(p, "version", 1),
            )
            await self.producer.send_and_wait(INDICATORS, env.SerializeToString(), key=(unit or p.plan_id).encode())
            envs.append(env)
        return envs

    async def until(self, check: Callable[[], Awaitable[object]], what: str) -> object:
        """Poll `check` until it returns something truthy, or fail after the deadline."""
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if got := await check():
                return got
            await asyncio.sleep(0.2)
        raise AssertionError(f"not within {DEADLINE_S} s: {what}")

    async def inbox_has(self, event_id: str) -> bool:
        async with raw_session(self.app) as s:
            t = orm.messaging.inbox
            return (await s.execute(sa.select(t.c.event_id).where(t.c.event_id == event_id))).first() is not None

    async def parked(self) -> dict[str, str]:
        """event id -> error of every parked event."""
        async with raw_session(self.app) as s:
            rows = (
                await s.execute(sa.select(orm.messaging.dead_letters.c.value, orm.messaging.dead_letters.c.error))
            ).all()
        return {decode(value).event_id: error for value, error in rows}

    async def plan_row(self, plan_id: str):
        async with raw_session(self.app) as s:
            return (await s.execute(sa.select(orm.plans).where(orm.plans.c.plan_id == plan_id))).first()


@pytest.fixture(scope="module")
async def harness(pg_server, broker_bootstrap) -> AsyncIterator[Harness]:
    await ensure_topics(broker_bootstrap, [INDICATORS], 4)
    with fresh_database(pg_server) as url:
        app = create_app(
            ServiceSettings(service="surveys", grpc_port=0, relay_interval_ms=100),
            DatabaseSettings(database_url=url),
            KafkaSettings(kafka_bootstrap=broker_bootstrap, kafka_partitions=4, kafka_request_timeout_ms=10000),
        )
        producer = AIOKafkaProducer(bootstrap_servers=broker_bootstrap, acks="all")
        await producer.start()
        try:
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://surveys") as http,
            ):
                yield Harness(app, http, producer)
        finally:
            await producer.stop()


def published_plan(plan_id: str, version: int, **survey) -> indicators_pb2.PlanPublished:
    body = bundle_plan(plan_id)["plan"]
    body["survey"] = {**body["survey"], **survey}
    return indicators_pb2.PlanPublished(
        plan_id=plan_id, year=2026, version=version, plan_json=exactjson.dumps({"plan": body, "indicators": []})
    )


def unit(plan_id: str, unit_id: str, version: int = 1) -> indicators_pb2.UnitUpserted:
    return indicators_pb2.UnitUpserted(
        plan_id=plan_id, unit_id=unit_id, name=f"{unit_id} 村", kind="village", group="villages", version=version
    )


async def test_a_published_plan_and_its_units_configure_the_survey(harness):
    plan = f"plan-{uuid.uuid4().hex[:8]}"
    await harness.send(unit(plan, "u1"), published_plan(plan, 1), unit(plan, "u2"))

    async def rounds():
        r = await harness.http.get(f"/v1/plans/{plan}/rounds")
        return r.status_code == 200 and r.json()

    got = await harness.until(rounds, "the plan's rounds")
    assert [(r["round"], D(r["weight"]), r["period"], r["state"]) for r in got] == [
        ("mid", D("0.5"), "H1", "open"),
        ("final", D("0.5"), "Y", "open"),
    ]

    async def units_known():
        async with raw_session(harness.app) as s:
            t = orm.units
            rows = (await s.execute(sa.select(t.c.unit_id, t.c.version).where(t.c.plan_id == plan))).all()
        return sorted(rows) == [("u1", 1), ("u2", 1)]

    await harness.until(units_known, "both units")
    assert (await harness.plan_row(plan)).version == 1
    # the units are the survey's now: their responses are scored
    responses = [{**r, "stratum": "urban_resident"} for r in hand_responses("u2", "b")]
    r = await post_json(harness.http, f"/v1/plans/{plan}/responses", {"responses": responses})
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], r.json()["scores_updated"]) == (6, 1)


async def test_newer_versions_rescore_stale_ones_are_ignored_and_poison_is_parked(harness):
    plan = f"plan-{uuid.uuid4().hex[:8]}"
    await harness.send(published_plan(plan, 1), unit(plan, "u1"))
    await harness.until(lambda: harness.plan_row(plan), "the plan")

    async def unit_known():
        r = await post_json(harness.http, f"/v1/plans/{plan}/responses", {"responses": hand_responses("u1", "a")})
        return r.status_code == 200 and r.json()

    assert (await harness.until(unit_known, "responses of u1 accepted"))["scores_updated"] == 1

    async def score():
        return (await harness.http.get(f"/v1/plans/{plan}/rounds/mid/units/u1/score")).json()

    first = await score()
    assert first["version"] == 1 and D(first["score"]) == D(56)  # 0.4·80 + 0.6·40 (hand_responses)

    # version 3 rescales the answers: urban r = 90, 22.5, 90 (mean 67.5); rural 45, 0 (mean 22.5)
    await harness.send(
        published_plan(plan, 3, answer_scores={"satisfied": 90, "basically_satisfied": 45, "dissatisfied": 0})
    )

    async def rescored():
        s = await score()
        return s["version"] == 2 and s

    again = await harness.until(rescored, "the re-scored round")
    assert D(again["score"]) == D("0.4") * D("67.5") + D("0.6") * D("22.5") == D("40.5")
    events = [p for _, p in await outbox_events(harness.app) if p.plan_id == plan]
    assert [(p.round_id, p.version) for p in events] == [("mid", 1), ("mid", 2)]

    # in one partition (the plan's key), in order: a stale version, then a version that stored
    # responses do not fit (no weight left for rural_resident); a result event goes elsewhere
    stale, poison = await harness.send(
        published_plan(plan, 2, answer_scores={"satisfied": 1, "basically_satisfied": 1, "dissatisfied": 1}),
        published_plan(plan, 4, strata={"urban_resident": D("0.4")}),
    )
    (other,) = await harness.send(
        indicators_pb2.IndicatorResultConfirmed(
            plan_id=plan,
            unit_id="u1",
            indicator_id="i1",
            period="Y",
            result_id="res-1",
            version=1,
            actual="3",
            confirmed=True,
        )
    )
    parked = await harness.until(lambda: _parked_error(harness, poison.event_id), "the poison event parked")
    assert "PlanEventRejected" in parked and "rural_resident" in parked  # stored responses need its weight
    assert await harness.until(lambda: harness.inbox_has(other.event_id), "the result event acknowledged")
    assert await harness.inbox_has(stale.event_id)
    assert stale.event_id not in await harness.parked() and other.event_id not in await harness.parked()
    row = await harness.plan_row(plan)
    assert row.version == 3 and row.answer_scores == {
        "satisfied": "90",
        "basically_satisfied": "45",
        "dissatisfied": "0",
    }
    assert (await score())["version"] == 2
    assert [p.version for p in (p for _, p in await outbox_events(harness.app)) if p.plan_id == plan] == [1, 2]


async def _parked_error(harness: Harness, event_id: str) -> str | None:
    return (await harness.parked()).get(event_id)

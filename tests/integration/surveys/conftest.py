"""Fixtures of the surveys integration tests: the app on a fresh database, a client, outbox reading."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa

from jixiao.messaging.envelope import decode, payload_of
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.surveys.adapters.orm import messaging
from services.surveys.app import create_app

D = Decimal


def bundle_plan(plan_id: str = "p1") -> dict:
    """A small plan: two rounds, two default strata and a per-unit override."""
    return {
        "plan": {
            "id": plan_id,
            "name": "测试方案",
            "year": 2026,
            "components": [
                {"key": "indicators", "type": "indicators", "weight": D("0.8")},
                {"key": "survey", "type": "survey", "weight": D("0.2")},
            ],
            "grade_bands": [{"grade": "good", "label": "良", "min": 80}, {"grade": "poor", "label": "差", "min": None}],
            "awards": {"eligible_grades": ["good"]},
            "veto": {"categories": [], "grade": None},
            "survey": {
                "rounds": [
                    {"id": "mid", "weight": D("0.5"), "period": "H1"},
                    {"id": "final", "weight": D("0.5"), "period": "Y"},
                ],
                "strata": {"urban_resident": D("0.4"), "rural_resident": D("0.6")},
                "answer_scores": {"satisfied": 100, "basically_satisfied": 80, "dissatisfied": 0},
            },
        },
        "units": [{"id": "u1", "name": "白莲村", "kind": "village"}, {"id": "u2", "name": "东山村", "kind": "village"}],
        "survey_strata": [
            {"unit": "u2", "stratum": "rural_resident", "weight": D("0.2")},
            {"unit": "u2", "stratum": "business", "weight": D("0.3")},
        ],
        "survey_responses": [],
    }


def hand_responses(unit: str, prefix: str, round_id: str = "mid") -> list[dict]:
    """urban r = 100, 40, 100 (mean 80, s² 1200); rural r = 80, 0 (mean 40, s² 3200); one uncounted."""

    def r(i, stratum, answers):
        return {
            "id": f"{prefix}{i}",
            "unit": unit,
            "round": round_id,
            "stratum": stratum,
            "mode": "phone",
            "answers": answers,
        }

    return [
        r(1, "urban_resident", ["satisfied", "satisfied"]),
        r(2, "urban_resident", ["basically_satisfied", "dissatisfied"]),
        r(3, "urban_resident", ["satisfied", None]),
        r(4, "rural_resident", ["basically_satisfied", "basically_satisfied"]),
        r(5, "rural_resident", ["dissatisfied", "no_answer"]),
        r(6, "rural_resident", [None, "no_answer"]),
    ]


def to_json(doc) -> str:
    """JSON with decimals written as exact numbers (never through binary floats)."""
    if isinstance(doc, Decimal):
        return str(doc)
    if isinstance(doc, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{to_json(v)}" for k, v in doc.items()) + "}"
    if isinstance(doc, list):
        return "[" + ",".join(to_json(v) for v in doc) + "]"
    return json.dumps(doc, ensure_ascii=False)


NO_BROKER = "127.0.0.1:9"  # nothing listens: relay and consumer retry quietly, the outbox keeps the events


@pytest.fixture
def make_app(database_url):
    """Apps without a broker: these tests read the outbox, and a consumer on the session broker would
    join the shared group and apply other tests' indicators events (test_plan_events.py uses one)."""

    def build(**surveys):
        return create_app(
            ServiceSettings(service="surveys", grpc_port=0, relay_interval_ms=100),
            DatabaseSettings(database_url=database_url),
            KafkaSettings(kafka_bootstrap=NO_BROKER, kafka_partitions=4),
            **surveys,
        )

    return build


@pytest.fixture
async def svc(make_app):
    """(app, client) of a started surveys service on a fresh database."""
    app = make_app()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://surveys") as client:
            yield app, client


async def post_json(client: httpx.AsyncClient, url: str, doc) -> httpx.Response:
    return await client.post(url, content=to_json(doc), headers={"content-type": "application/json"})


async def outbox_events(app) -> list[tuple]:
    """(envelope, payload) of every outbox row, in order."""
    t = messaging.outbox
    async with app.state.runtime.db.transaction() as s:
        rows = (await s.execute(sa.select(t.c.envelope).order_by(t.c.id))).scalars().all()
    out = []
    for raw in rows:
        env = decode(raw)
        out.append((env, payload_of(env)))
    return out


@contextlib.asynccontextmanager
async def raw_session(app):
    async with app.state.runtime.db.transaction() as s:
        yield s

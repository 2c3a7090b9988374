"""The indicators app on a fresh database per test, driven in-process through httpx."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from jixiao.rules import exactjson
from jixiao.samples import BAILIAN_BUNDLE
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.indicators.adapters.orm import messaging
from services.indicators.app import create_app

BUNDLE = BAILIAN_BUNDLE
PART = ("plan", "indicators", "units", "targets", "results")


@pytest.fixture(scope="session")
def bundle() -> dict[str, Any]:
    return json.loads(BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)


@pytest.fixture
def part(bundle) -> dict[str, Any]:
    """The indicators part of the example bundle (a deep copy: tests may change it)."""
    return copy.deepcopy({k: bundle[k] for k in PART})


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[Any]:
    # The broker is not needed by most tests: events wait in the outbox (that is the point of it).
    application = create_app(
        ServiceSettings(service="indicators", grpc_port=0),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:1"),
    )
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://indicators") as c:
        yield c


@pytest.fixture
async def plan(client, part):
    """The example plan imported with its units and targets, no results yet."""
    part["results"] = []
    response = await client.post(
        "/v1/import", content=exactjson.dumps(part), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    return part


@pytest.fixture
def outbox_types(app):
    """An async function: the types of the events written to the outbox, in order."""

    async def types() -> list[str]:
        t = messaging.outbox
        async with app.state.runtime.db.transaction() as s:
            return list((await s.execute(sa.select(t.c.type).order_by(t.c.id))).scalars())

    return types

"""Scoring on a real PostgreSQL, driven without Kafka (BatchApplier fed directly) unless a test says so."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # bundle_events, fake_sources

from jixiao.messaging.inbox import BatchApplier
from jixiao.migrations import migrate
from jixiao.runtime import Runtime
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.scoring.adapters import orm
from services.scoring.app import create_app, service_of
from services.scoring.entrypoints.consumer import ScoringEventHandler
from services.scoring.service.handlers import ScoringService
from services.scoring.settings import ScoringSettings


@dataclass
class Scoring:
    app: object
    runtime: Runtime
    service: ScoringService
    applier: BatchApplier
    http: httpx.AsyncClient


async def start_scoring(database_url: str, scoring: ScoringSettings | None = None) -> Scoring:
    """A scoring app whose runtime is not started (no broker): migrations run, service wired."""
    app = create_app(
        ServiceSettings(service="scoring", grpc_port=0),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:9"),
        scoring or ScoringSettings(),
    )
    runtime = app.state.runtime
    await migrate(runtime.db.url, "scoring")
    service = service_of(runtime)
    applier = BatchApplier(runtime.db, orm.messaging, ScoringEventHandler(runtime, service), runtime.metrics)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scoring")
    return Scoring(app, runtime, service, applier, http)


async def stop_scoring(s: Scoring) -> None:
    await s.http.aclose()
    for client in s.service.clients.values():
        await client.close()
    await s.runtime.db.dispose()


@pytest.fixture
async def scoring(database_url: str) -> AsyncIterator[Scoring]:
    s = await start_scoring(database_url)
    try:
        yield s
    finally:
        await stop_scoring(s)

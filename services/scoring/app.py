"""Composition root of the scoring service: `create_app(settings, database, kafka, scoring)`."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from jixiao.logging import get_logger
from jixiao.messaging.topics import SOURCE_TOPICS
from jixiao.runtime import Runtime, ServiceParts, create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.snapshots import system_metadata
from services.scoring.adapters import orm
from services.scoring.adapters.clients import GrpcSnapshotClient
from services.scoring.adapters.score_reads import SqlScoreReads
from services.scoring.entrypoints import grpc_server
from services.scoring.entrypoints.consumer import ScoringEventHandler
from services.scoring.entrypoints.http import router
from services.scoring.service.closing import run_close_requests
from services.scoring.service.handlers import ScoringService
from services.scoring.service.unit_of_work import SqlAlchemyScoringUnitOfWork
from services.scoring.settings import ScoringSettings

NAME = "scoring"
log = get_logger("scoring.app")


def service_metadata(settings: ServiceSettings):
    """Call metadata for the sources' gRPC: a fresh 10-minute `system` token when auth is on."""
    return system_metadata(settings, NAME)


def service_of(runtime: Runtime) -> ScoringService:
    """The process's dependencies of the use cases, built on first use inside the lifespan (clients included)."""
    service = runtime.extras.get(NAME)
    if service is None:
        settings: ScoringSettings = runtime.extras["scoring_settings"]
        metadata = service_metadata(runtime.settings)
        clients = {
            source: GrpcSnapshotClient(source, target, timeout=settings.snapshot_timeout_s, metadata=metadata)
            for source, target in settings.source_targets().items()
        }
        service = runtime.extras[NAME] = ScoringService(
            lambda: SqlAlchemyScoringUnitOfWork(runtime), clients=clients, reads=SqlScoreReads(runtime.db)
        )
    return service


async def _close_worker(service: ScoringService, interval: float) -> None:
    """Closes the periods that PeriodClosed events requested (the requests are rows: crash-safe)."""
    while True:
        try:
            await run_close_requests(service)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("scoring.close_worker_retry", error=f"{type(exc).__name__}: {exc}")
        await asyncio.sleep(interval)


async def _on_start(runtime: Runtime) -> None:
    service = service_of(runtime)
    interval = runtime.extras["scoring_settings"].close_poll_interval_ms / 1000
    runtime.extras["close_worker"] = asyncio.create_task(_close_worker(service, interval), name="scoring-close")


async def _on_stop(runtime: Runtime) -> None:
    task = runtime.extras.pop("close_worker", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    service = runtime.extras.pop(NAME, None)
    if service is not None:
        for client in service.clients.values():
            await client.close()


def create_app(
    settings: ServiceSettings | None = None,
    database: DatabaseSettings | None = None,
    kafka: KafkaSettings | None = None,
    scoring: ScoringSettings | None = None,
) -> FastAPI:
    """The scoring service: consumes the three source topics, publishes jixiao.scores.v1."""
    parts = ServiceParts(
        name=NAME,
        title="Jixiao scoring",
        routers=[router],
        tables=orm.messaging,
        publishes=True,
        consumes=list(SOURCE_TOPICS),
        handler=lambda runtime: ScoringEventHandler(runtime, service_of(runtime)),
        grpc=lambda runtime: grpc_server.registrations(service_of(runtime), runtime),
        grpc_names=grpc_server.SERVICE_NAMES,
        on_start=_on_start,
        on_stop=_on_stop,
    )
    settings = settings or ServiceSettings(service=NAME)
    scoring = scoring or ScoringSettings()
    scoring.check_for(settings.env)
    app = create_service_app(parts, settings, database, kafka)
    app.state.runtime.extras["scoring_settings"] = scoring
    return app

"""Composition root of the indicators service."""

from __future__ import annotations

from fastapi import FastAPI

from jixiao.messaging.topics import INSPECTIONS
from jixiao.runtime import ServiceParts, create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.indicators.adapters.evidence_store import evidence_store
from services.indicators.adapters.orm import messaging
from services.indicators.entrypoints import grpc_server, http
from services.indicators.entrypoints.consumer import make_handler
from services.indicators.settings import IndicatorsSettings


def create_app(
    settings: ServiceSettings | None = None,
    database: DatabaseSettings | None = None,
    kafka: KafkaSettings | None = None,
    indicators: IndicatorsSettings | None = None,
) -> FastAPI:
    """The indicators app: REST, the outbox relay, gRPC SnapshotService, evidence files where configured,
    and a consumer of inspections' staff register."""
    parts = ServiceParts(
        name="indicators",
        title="Jixiao indicators — plans, units, indicators, targets, results",
        routers=http.routers(),
        tables=messaging,
        publishes=True,
        consumes=[INSPECTIONS],  # the staff register (StaffMemberUpserted/Removed) for the responsibility chain
        handler=make_handler,
        grpc=grpc_server.registrations,
        grpc_names=["jixiao.snapshot.v1.SnapshotService"],
    )
    app = create_service_app(parts, settings or ServiceSettings(service="indicators"), database, kafka)
    own = indicators or IndicatorsSettings()
    app.state.runtime.extras.update(indicators_settings=own, evidence_store=evidence_store(own.evidence_dir))
    return app

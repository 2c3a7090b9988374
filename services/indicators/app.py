"""Composition root of the indicators service."""

from __future__ import annotations

from fastapi import FastAPI

from jixiao.runtime import ServiceParts, create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.indicators.adapters.orm import messaging
from services.indicators.entrypoints import grpc_server, http


def create_app(settings: ServiceSettings | None = None, database: DatabaseSettings | None = None,
               kafka: KafkaSettings | None = None) -> FastAPI:
    """The indicators app: REST, the outbox relay, gRPC SnapshotService."""
    parts = ServiceParts(
        name="indicators",
        title="Jixiao indicators — plans, units, indicators, targets, results",
        routers=http.routers(),
        tables=messaging,
        publishes=True,
        grpc=grpc_server.registrations,
        grpc_names=["jixiao.snapshot.v1.SnapshotService"],
    )
    return create_service_app(parts, settings or ServiceSettings(service="indicators"), database, kafka)

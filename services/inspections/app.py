"""Composition root of the inspections service."""

from __future__ import annotations

from fastapi import FastAPI

from jixiao.runtime import ServiceParts, create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.inspections.adapters.orm import messaging
from services.inspections.entrypoints import grpc_server
from services.inspections.entrypoints.http import router
from services.inspections.entrypoints.staff_api import router as staff_router


def parts() -> ServiceParts:
    return ServiceParts(
        name="inspections",
        title="Jixiao inspections (察访核验, 机关效能, 一票否决)",
        routers=[router, staff_router],
        tables=messaging,
        publishes=True,
        grpc=grpc_server.registrations,
        grpc_names=[grpc_server.SERVICE_NAME],
    )


def create_app(
    settings: ServiceSettings | None = None,
    database: DatabaseSettings | None = None,
    kafka: KafkaSettings | None = None,
) -> FastAPI:
    """The inspections FastAPI app (runtime started in its lifespan)."""
    return create_service_app(parts(), settings or ServiceSettings(service="inspections"), database, kafka)

"""Composition root of the reports service: read models of the score events, pages and exports."""

from __future__ import annotations

from fastapi import FastAPI

from jixiao.messaging.topics import SCORES
from jixiao.runtime import ServiceParts, create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.reports.adapters.orm import tables
from services.reports.entrypoints.consumer import make_handler
from services.reports.entrypoints.http import router


def parts() -> ServiceParts:
    """The reports service's pieces: it consumes jixiao.scores.v1 and publishes nothing."""
    return ServiceParts(name="reports", title="Jixiao reports", routers=[router], tables=tables,
                        publishes=False, consumes=[SCORES], handler=make_handler)


def create_app(settings: ServiceSettings | None = None, database: DatabaseSettings | None = None,
               kafka: KafkaSettings | None = None) -> FastAPI:
    return create_service_app(parts(), settings or ServiceSettings(service="reports"), database, kafka)

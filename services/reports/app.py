"""Composition root of the reports service: read models of the score and indicators events, pages, exports."""

from __future__ import annotations

from fastapi import FastAPI

from jixiao.messaging.topics import INDICATORS, SCORES
from jixiao.runtime import ServiceParts, create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.reports.adapters.orm import tables
from services.reports.entrypoints.consumer import make_handler
from services.reports.entrypoints.http import router


def parts() -> ServiceParts:
    """Consumes jixiao.scores.v1 and jixiao.indicators.v1 (grade labels, unit names); publishes nothing."""
    return ServiceParts(name="reports", title="Jixiao reports", routers=[router], tables=tables,
                        publishes=False, consumes=[SCORES, INDICATORS], handler=make_handler)


def create_app(settings: ServiceSettings | None = None, database: DatabaseSettings | None = None,
               kafka: KafkaSettings | None = None) -> FastAPI:
    return create_service_app(parts(), settings or ServiceSettings(service="reports"), database, kafka)

"""Composition root of the reports service: read models of the score and indicators events, pages, exports."""

from __future__ import annotations

from fastapi import FastAPI

from jixiao.messaging.topics import INDICATORS, INSPECTIONS, SCORES
from jixiao.runtime import ServiceParts, create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.reports.adapters.clients import HttpScoringClient
from services.reports.adapters.orm import tables
from services.reports.entrypoints.consumer import make_handler
from services.reports.entrypoints.http import router
from services.reports.entrypoints.notice_http import router as notice_router
from services.reports.entrypoints.people_http import router as people_router
from services.reports.entrypoints.resync import close_clients
from services.reports.settings import ReportsSettings


def parts() -> ServiceParts:
    """Consumes jixiao.scores.v1, jixiao.indicators.v1 (labels, plan info, unit names) and
    jixiao.inspections.v1 (veto categories); publishes nothing."""
    return ServiceParts(
        name="reports",
        title="Jixiao reports",
        routers=[router, notice_router, people_router],
        tables=tables,
        publishes=False,
        consumes=[SCORES, INDICATORS, INSPECTIONS],
        handler=make_handler,
        on_stop=close_clients,
    )


def create_app(
    settings: ServiceSettings | None = None,
    database: DatabaseSettings | None = None,
    kafka: KafkaSettings | None = None,
    reports: ReportsSettings | None = None,
) -> FastAPI:
    app = create_service_app(parts(), settings or ServiceSettings(service="reports"), database, kafka)
    reports = reports or ReportsSettings()
    runtime = app.state.runtime
    runtime.extras["reports"] = reports
    runtime.extras["scoring"] = (
        HttpScoringClient(reports.scoring_url, reports.scoring_timeout_s) if reports.scoring_url else None
    )
    return app

"""Composition root of the surveys service: rounds, frames, samples, fieldwork, responses and scores."""

from __future__ import annotations

from fastapi import FastAPI

from jixiao.messaging.topics import INDICATORS
from jixiao.runtime import ServiceParts, create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.surveys.adapters.orm import messaging
from services.surveys.adapters.pii import PiiCipher
from services.surveys.entrypoints import grpc_server
from services.surveys.entrypoints.consumer import make_handler
from services.surveys.entrypoints.http import install_domain_errors, router
from services.surveys.entrypoints.resync import close_clients
from services.surveys.settings import SurveysSettings


def parts() -> ServiceParts:
    """The surveys service publishes jixiao.surveys.v1, serves SnapshotService and consumes
    jixiao.indicators.v1 (PlanPublished and UnitUpserted configure its plans and units)."""
    return ServiceParts(
        name="surveys",
        title="Jixiao surveys",
        routers=[router],
        tables=messaging,
        consumes=[INDICATORS],
        handler=make_handler,
        grpc=grpc_server.registrations,
        grpc_names=[grpc_server.SERVICE_NAME],
        on_stop=close_clients,
    )


def create_app(
    settings: ServiceSettings | None = None,
    database: DatabaseSettings | None = None,
    kafka: KafkaSettings | None = None,
    surveys: SurveysSettings | None = None,
) -> FastAPI:
    settings = settings or ServiceSettings(service="surveys")
    surveys = surveys or SurveysSettings()
    surveys.check_against(settings.env)  # the default PII key is refused outside local mode
    app = create_service_app(parts(), settings, database, kafka)
    app.state.runtime.extras["pii_cipher"] = PiiCipher(
        surveys.pii_key.get_secret_value(), previous_keys=tuple(k.get_secret_value() for k in surveys.pii_previous_keys)
    )
    install_domain_errors(app)
    return app

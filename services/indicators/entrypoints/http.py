"""The service's REST routers (one module per area), in the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    evidence_api,
    excel_api,
    import_api,
    plans_api,
    reminders_api,
    reports_api,
    results_api,
    tasks_api,
    units_api,
)


def routers() -> list[APIRouter]:
    return [
        plans_api.router,
        units_api.router,
        results_api.router,
        tasks_api.router,
        evidence_api.router,
        excel_api.router,
        reports_api.router,
        reminders_api.router,
        import_api.router,
    ]

"""`POST /v1/import` for `jixiao import` (the bundle import contract)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query

from services.indicators.service import handlers as h

from .deps import OFFICE_ONLY, SIGNED_IN, DecimalRoute, UoW

DRY_RUN = "check and count everything, write nothing (`jixiao import` asks every service this first)"
router = APIRouter(tags=["import"], route_class=DecimalRoute, dependencies=SIGNED_IN)


@router.post("/v1/import", dependencies=OFFICE_ONLY)
async def import_bundle(
    uow: UoW,
    body: dict[str, Any] = Body(
        description='{"plan", "indicators", "units", "targets", "results"} of a jixiao.bundle/v1',
        examples=[
            {"plan": {"id": "bailian-2026", "...": "..."}, "indicators": [], "units": [], "targets": [], "results": []}
        ],
    ),
    dry_run: bool = Query(False, description=DRY_RUN),
) -> dict[str, Any]:
    """Validate the whole part with the scoring rules (422, nothing written), then apply it idempotently."""
    return await h.import_bundle(uow, body, dry_run=dry_run)

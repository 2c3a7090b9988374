"""The inspections service's REST routers, one module per area, in the order of the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from services.inspections.entrypoints import deductions_api, discipline_api, inspections_api, plans_api

router = APIRouter()
router.include_router(plans_api.router)
router.include_router(deductions_api.router)
router.include_router(inspections_api.router)
router.include_router(discipline_api.router)

"""REST for self-assessment reports (routes only translate)."""

from __future__ import annotations

from fastapi import APIRouter

from jixiao.auth import ASSESSOR, LEADER, OFFICE, UNIT, own_units
from jixiao.errors import Forbidden
from jixiao.validation import PathId, PeriodPath, PeriodQuery
from services.indicators.service import handlers as h

from .deps import SIGNED_IN, UNIT_OR_OFFICE, Caller, DecimalRoute, Pages, UoW, require_unit
from .schemas import Page, ReportRead, ReportSubmit

router = APIRouter(prefix="/v1/plans/{plan_id}", tags=["reports"], route_class=DecimalRoute, dependencies=SIGNED_IN)


@router.put("/units/{unit_id}/reports/{period}", response_model=ReportRead, dependencies=UNIT_OR_OFFICE)
async def submit_report(
    plan_id: PathId, unit_id: PathId, period: PeriodPath, body: ReportSubmit, uow: UoW, who: Caller
) -> ReportRead:
    """Submit the unit's 自评报告 for a period; `late` is set when after the plan's deadline."""
    require_unit(who, plan_id, unit_id)
    report = await h.submit_report(uow, plan_id, unit_id, period, body.text)
    return ReportRead.model_validate(report, from_attributes=True)


@router.get("/reports", response_model=Page[ReportRead])
async def list_reports(
    plan_id: PathId, uow: UoW, pages: Pages, who: Caller, period: PeriodQuery = None, late: bool | None = None
) -> Page:
    """The self-assessment reports (unpublished): every unit's for the office, assessors and
    leaders; a unit officer's own units' only."""
    if who.has(OFFICE, ASSESSOR, LEADER):
        units = None
    elif who.has(UNIT):
        units = own_units(who, plan_id)
    else:
        raise Forbidden(f"{who.user} may not read the units' self-assessment reports")
    items, total = await h.list_reports(
        uow, plan_id, period=period, late=late, limit=pages.limit, offset=pages.offset, units=units
    )
    return Page(
        items=[ReportRead.model_validate(r, from_attributes=True) for r in items],
        total=total,
        limit=pages.limit,
        offset=pages.offset,
    )

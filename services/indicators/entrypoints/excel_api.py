"""Excel: the per-unit data-entry template, its upload, exports (routes only translate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from jixiao import uploads
from jixiao.validation import PERIOD_PATTERN, PathId, PeriodQuery
from services.indicators.service import handlers as h

from .deps import SIGNED_IN, UNIT_OR_OFFICE, Caller, DecimalRoute, Settings, UoW, actor_name, read_limited, require_unit

router = APIRouter(prefix="/v1/plans/{plan_id}", tags=["excel"], route_class=DecimalRoute, dependencies=SIGNED_IN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILE = {200: {"content": {XLSX: {}}, "description": "an .xlsx workbook"}}


def xlsx(data: bytes, filename: str) -> Response:
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/units/{unit_id}/template.xlsx", response_class=Response, responses=_FILE)
async def download_template(
    plan_id: PathId, unit_id: PathId, uow: UoW, period: Annotated[str, Query(pattern=PERIOD_PATTERN)] = "Y"
) -> Response:
    """The unit's data-entry template: its applicable leaves (and parts) with targets and current values."""
    data = await h.download_template(uow, plan_id, unit_id, period)
    return xlsx(data, f"{plan_id}-{unit_id}-{period}.xlsx")


@router.post("/units/{unit_id}/template", dependencies=UNIT_OR_OFFICE)
async def upload_template(
    plan_id: PathId,
    unit_id: PathId,
    uow: UoW,
    settings: Settings,
    who: Caller,
    file: UploadFile = File(...),
    period: Annotated[str, Query(pattern=PERIOD_PATTERN)] = "Y",
    actor: str | None = None,
) -> dict[str, int]:
    """Upload a filled template: 422 with every bad cell (sheet!cell) and nothing stored, or the counts
    (413 when larger than JIXIAO_UPLOAD_MAX_BYTES)."""
    require_unit(who, plan_id, unit_id)
    data = await read_limited(file, settings.upload_max_bytes)
    uploads.check_xlsx(data)  # zip-bomb limits before openpyxl parses anything
    return await h.upload_template(uow, plan_id, unit_id, period, data, actor_name(who, actor))


@router.get("/export.xlsx", response_class=Response, responses=_FILE)
async def export_plan(plan_id: PathId, uow: UoW) -> Response:
    return xlsx(await h.export_plan(uow, plan_id), f"{plan_id}-plan.xlsx")


@router.get("/results/export.xlsx", response_class=Response, responses=_FILE)
async def export_results(plan_id: PathId, uow: UoW, period: PeriodQuery = None) -> Response:
    return xlsx(await h.export_results(uow, plan_id, period), f"{plan_id}-results.xlsx")

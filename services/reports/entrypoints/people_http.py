"""Routes of the people lists (干部年度考核): each unit's people with eligibility and reasons, and the
personnel office's XLSX (one row per person)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from jixiao.auth import signed_in
from jixiao.validation import PathId, PeriodPath
from services.reports.adapters.people_xlsx import export_people_xlsx
from services.reports.entrypoints.deps import PERIOD, XLSX, SnapshotQ, Uow
from services.reports.service import people

router = APIRouter(dependencies=[Depends(signed_in)], tags=["people"])


@router.get(PERIOD + "/people")
async def get_people(plan_id: PathId, period: PeriodPath, uow: Uow, snapshot: SnapshotQ = None) -> dict:
    """Per unit: its grade and its people, each eligible for excellence (评优资格) or not, with every reason."""
    return (await people.people_view(uow, plan_id, period, snapshot)).to_dict()


@router.get(PERIOD + "/people.xlsx", response_class=Response)
async def get_people_xlsx(plan_id: PathId, period: PeriodPath, uow: Uow, snapshot: SnapshotQ = None) -> Response:
    """The personnel office's list: unit, position, unit grade, absences, leave days by type, deductions,
    eligible, reasons — one row per person."""
    view = await people.people_view(uow, plan_id, period, snapshot)
    name = f"{plan_id}-{period}-v{view.version}-people.xlsx"
    return Response(
        export_people_xlsx(view),
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )

"""REST and pages of the reports service: translate requests to queries, views to responses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jixiao.auth import OFFICE, require, signed_in
from services.reports.adapters.xlsx import export_xlsx
from services.reports.domain.model import PlanLabels, RankingView, ScoreCard
from services.reports.domain.rules import grade_labels
from services.reports.entrypoints import views
from services.reports.entrypoints.schemas import (
    LabelsRead,
    LabelsUpdate,
    RankingRead,
    RankingRowRead,
    ScoreCardRead,
)
from services.reports.service import handlers
from services.reports.service.unit_of_work import SqlAlchemyReportsUnitOfWork

router = APIRouter(dependencies=[Depends(signed_in)])   # with JIXIAO_AUTH: any role reads; labels need office


def get_uow(request: Request) -> SqlAlchemyReportsUnitOfWork:
    return SqlAlchemyReportsUnitOfWork(request.app.state.runtime)


Uow = Annotated[SqlAlchemyReportsUnitOfWork, Depends(get_uow)]
Group = Annotated[str | None, Query(max_length=100, description="only this ranking group")]
SnapshotQ = Annotated[int | None, Query(ge=1, description="a complete graded snapshot version")]
PERIOD = "/v1/plans/{plan}/periods/{period}"


def _ranking_read(view: RankingView) -> RankingRead:
    return RankingRead(
        plan=view.plan_id, period=view.period, provisional=view.provisional,
        snapshot_version=view.snapshot_version, graded_at=view.graded_at, closed_by=view.closed_by or None,
        rankings=[RankingRowRead(rank=r.rank, unit=r.unit_id, unit_name=r.unit_name or None, group=r.group,
                                 total=r.total, grade=r.grade, grade_label=r.grade_label or None,
                                 vetoed=r.vetoed, award_eligible=r.award_eligible, status=r.status)
                  for r in view.rows])


@router.get(PERIOD + "/rankings", response_model=RankingRead, tags=["rankings"])
async def get_rankings(plan: str, period: str, uow: Uow, group: Group = None,
                       snapshot: SnapshotQ = None) -> RankingRead:
    """The graded ranking (latest complete snapshot), else the provisional one (`provisional: true`)."""
    return _ranking_read(await handlers.ranking_view(uow, plan, period, group=group, snapshot=snapshot))


def _card_read(card: ScoreCard) -> ScoreCardRead:
    r = card.row
    return ScoreCardRead(
        plan=card.plan_id, period=card.period, unit=r.unit_id, unit_name=r.unit_name or None, group=r.group,
        provisional=card.provisional, snapshot_version=card.snapshot_version, graded_at=card.graded_at,
        status=r.status, total=r.total, grade=r.grade, grade_label=r.grade_label or None, rank=r.rank,
        group_size=card.group_size, components=card.components, survey_se=card.survey_se, vetoed=r.vetoed,
        award_eligible=r.award_eligible, missing=list(card.missing))


@router.get(PERIOD + "/units/{unit}", response_model=ScoreCardRead, tags=["rankings"],
            responses={404: {"description": "unknown plan, period, snapshot or unit"}})
async def get_score_card(plan: str, period: str, unit: str, uow: Uow, snapshot: SnapshotQ = None) -> ScoreCardRead:
    """One unit's score card: total, grade, rank in its group, components, survey SE, veto, missing inputs."""
    return _card_read(await handlers.score_card(uow, plan, period, unit, snapshot=snapshot))


@router.get(PERIOD + "/export.xlsx", tags=["exports"],
            response_class=Response, responses={200: {"content": {"application/vnd.openxmlformats-"
                                                                  "officedocument.spreadsheetml.sheet": {}}}})
async def get_export(plan: str, period: str, uow: Uow, group: Group = None, snapshot: SnapshotQ = None) -> Response:
    """The ranking as a workbook: one sheet per ranking group."""
    view = await handlers.ranking_view(uow, plan, period, group=group, snapshot=snapshot)
    name = f"{plan}-{period}" + ("-provisional" if view.provisional else f"-v{view.snapshot_version}") + ".xlsx"
    return Response(export_xlsx(view),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get(PERIOD + "/annual-report", tags=["exports"], response_class=Response,
            responses={200: {"content": {"text/markdown": {}}}, 409: {"description": "not graded yet"}})
async def get_annual_report(plan: str, period: str, uow: Uow, snapshot: SnapshotQ = None) -> Response:
    """年度绩效考评报告 (Markdown) of a complete graded snapshot; 409 while only provisional."""
    view = await handlers.ranking_view(uow, plan, period, snapshot=snapshot, require_graded=True)
    body = views.annual_report_md(view, datetime.now(UTC))
    return Response(body, media_type="text/markdown; charset=utf-8",
                    headers={"X-Snapshot-Version": str(view.snapshot_version)})


@router.get("/v1/plans/{plan}/labels", response_model=LabelsRead, tags=["labels"])
async def get_labels(plan: str, uow: Uow) -> LabelsRead:
    """A plan's explicit override, and the grade labels and unit names in effect."""
    return _labels_read(*await handlers.get_labels(uow, plan))


@router.put("/v1/plans/{plan}/labels", response_model=LabelsRead, tags=["labels"],
            dependencies=[Depends(require(OFFICE))])
async def put_labels(plan: str, body: LabelsUpdate, uow: Uow) -> LabelsRead:
    """Replace the plan's explicit override (over labels learned from events, over 优/良/一般/差); {} clears it."""
    return _labels_read(*await handlers.set_labels(uow, PlanLabels(plan, dict(body.grades), dict(body.units))))


def _labels_read(override: PlanLabels, effective: PlanLabels) -> LabelsRead:
    return LabelsRead(plan=override.plan_id, grades=override.grades, units=override.units,
                      effective_grades=grade_labels(effective), effective_units=effective.units)


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=307)


@router.get("/dashboard", response_class=HTMLResponse, tags=["pages"])
async def dashboard_index(uow: Uow) -> HTMLResponse:
    """Every plan and period with links to its page."""
    return HTMLResponse(views.index_html(await handlers.list_periods(uow)))


@router.get("/dashboard/{plan}/{period}", response_class=HTMLResponse, tags=["pages"])
async def dashboard(plan: str, period: str, uow: Uow, group: Group = None) -> HTMLResponse:
    """The ranking page of one plan and period (works on a phone, no JavaScript)."""
    return HTMLResponse(views.dashboard_html(await handlers.ranking_view(uow, plan, period, group=group)))


@router.get("/dashboard/{plan}/{period}/{unit}", response_class=HTMLResponse, tags=["pages"])
async def dashboard_card(plan: str, period: str, unit: str, uow: Uow) -> HTMLResponse:
    """The score card page of one unit (linked from the ranking rows)."""
    return HTMLResponse(views.card_html(await handlers.score_card(uow, plan, period, unit)))

"""REST and pages of the reports service — rankings, score cards, exports, the annual report, labels
and dashboards (the notice and objections are in notice_http.py, people in people_http.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jixiao.auth import COOKIE, OFFICE, Caller, require, signed_in
from jixiao.errors import JixiaoError
from jixiao.validation import PathId, PeriodPath
from services.reports.adapters.clients import AbstractScoringClient
from services.reports.adapters.pdf import render_pdf
from services.reports.adapters.xlsx import export_card_xlsx, export_list_xlsx, export_xlsx
from services.reports.domain import rules
from services.reports.domain.model import PlanLabels, RankingView, ScoreCard
from services.reports.domain.rules import grade_labels
from services.reports.entrypoints import views
from services.reports.entrypoints.deps import (
    PERIOD,
    XLSX,
    Ctx,
    Group,
    SnapshotQ,
    Uow,
    attachment,
    get_ctx,
)
from services.reports.entrypoints.schemas import (
    LabelsRead,
    LabelsUpdate,
    RankingRead,
    RankingRowRead,
    ScoreCardRead,
)
from services.reports.service import handlers, people

router = APIRouter(dependencies=[Depends(signed_in)])  # with JIXIAO_AUTH: any role reads; labels need office


def _ranking_read(view: RankingView) -> RankingRead:
    return RankingRead(
        plan=view.plan_id,
        plan_name=view.plan_name or None,
        period=view.period,
        provisional=view.provisional,
        snapshot_version=view.snapshot_version,
        graded_at=view.graded_at,
        closed_by=view.closed_by or None,
        rankings=[
            RankingRowRead(
                rank=r.rank,
                unit=r.unit_id,
                unit_name=r.unit_name or None,
                group=r.group,
                group_name=r.group_name or None,
                total=r.total,
                grade=r.grade,
                grade_label=r.grade_label or None,
                vetoed=r.vetoed,
                veto_categories=list(r.veto_categories),
                award_eligible=r.award_eligible,
                status=r.status,
                components=r.components,
            )
            for r in view.rows
        ],
    )


@router.get(PERIOD + "/rankings", response_model=RankingRead, tags=["rankings"])
async def get_rankings(
    plan_id: PathId, period: PeriodPath, uow: Uow, group: Group = None, snapshot: SnapshotQ = None
) -> RankingRead:
    """The graded ranking (latest complete snapshot), else the provisional one (`provisional: true`)."""
    return _ranking_read(await handlers.ranking_view(uow, plan_id, period, group=group, snapshot=snapshot))


def _card_read(card: ScoreCard) -> ScoreCardRead:
    r = card.row
    return ScoreCardRead(
        plan=card.plan_id,
        period=card.period,
        unit=r.unit_id,
        unit_name=r.unit_name or None,
        group=r.group,
        provisional=card.provisional,
        snapshot_version=card.snapshot_version,
        graded_at=card.graded_at,
        status=r.status,
        total=r.total,
        grade=r.grade,
        grade_label=r.grade_label or None,
        rank=r.rank,
        group_size=card.group_size,
        components=card.components,
        survey_se=card.survey_se,
        vetoed=r.vetoed,
        award_eligible=r.award_eligible,
        missing=list(card.missing),
    )


@router.get(
    PERIOD + "/units/{unit_id}",
    response_model=ScoreCardRead,
    tags=["rankings"],
    responses={404: {"description": "unknown plan, period, snapshot or unit"}},
)
async def get_score_card(
    plan_id: PathId, period: PeriodPath, unit_id: PathId, uow: Uow, snapshot: SnapshotQ = None
) -> ScoreCardRead:
    """One unit's score card: total, grade, rank in its group, components, survey SE, veto, missing inputs."""
    return _card_read(await handlers.score_card(uow, plan_id, period, unit_id, snapshot=snapshot))


@router.get(
    PERIOD + "/export.xlsx", tags=["exports"], response_class=Response, responses={200: {"content": {XLSX: {}}}}
)
async def get_export(
    plan_id: PathId, period: PeriodPath, uow: Uow, ctx: Ctx, group: Group = None, snapshot: SnapshotQ = None
) -> Response:
    """The ranking as a workbook: one sheet per ranking group (named by the plan), components beside the total."""
    view = await handlers.ranking_view(uow, plan_id, period, group=group, snapshot=snapshot)
    name = f"{plan_id}-{period}" + ("-provisional" if view.provisional else f"-v{view.snapshot_version}") + ".xlsx"
    return attachment(export_xlsx(view, ctx.m.component), XLSX, name)


_LISTS = {"commendation": (rules.commendation, "通报表彰"), "criticism": (rules.criticism, "通报批评")}
Kind = Annotated[str, Path(pattern="^(commendation|criticism)$")]


@router.get(
    PERIOD + "/lists/{kind}.xlsx",
    tags=["exports"],
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, 409: {"description": "not graded yet"}},
)
async def get_list_xlsx(
    plan_id: PathId, period: PeriodPath, kind: Kind, uow: Uow, snapshot: SnapshotQ = None
) -> Response:
    """通报表彰 (commendation) or 通报批评 (criticism) as a workbook with a Chinese sheet name."""
    view = await handlers.ranking_view(uow, plan_id, period, snapshot=snapshot, require_graded=True)
    pick, sheet = _LISTS[kind]
    rows = pick(view)
    persons = await people.list_people(uow, plan_id, period, view.snapshot_version, kind, [r.unit_id for r in rows])
    return attachment(
        export_list_xlsx(sheet, view, rows, persons), XLSX, f"{plan_id}-{period}-v{view.snapshot_version}-{sheet}.xlsx"
    )


@router.get(
    PERIOD + "/annual-report",
    tags=["exports"],
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}}, 409: {"description": "not graded yet"}},
)
async def get_annual_report(
    plan_id: PathId, period: PeriodPath, uow: Uow, ctx: Ctx, snapshot: SnapshotQ = None
) -> Response:
    """年度绩效考评报告 (Markdown) of a complete graded snapshot; 409 while only provisional."""
    view = await handlers.ranking_view(uow, plan_id, period, snapshot=snapshot, require_graded=True)
    body = views.annual_report_md(view, datetime.now(UTC), ctx.zone)
    return Response(
        body, media_type="text/markdown; charset=utf-8", headers={"X-Snapshot-Version": str(view.snapshot_version)}
    )


async def _report_html(
    uow: Uow, ctx: views.Ctx, plan: str, period: str, snapshot: int | None, for_pdf: bool
) -> tuple[str, RankingView]:
    view = await handlers.ranking_view(uow, plan, period, snapshot=snapshot, require_graded=True)
    notice, _objections = await handlers.notice(uow, plan, period, view.snapshot_version, zone=ctx.zone)
    return views.annual_report_html(view, ctx, notice=notice, generated_at=datetime.now(UTC), for_pdf=for_pdf), view


@router.get("/reports/{plan_id}/{period}/annual-report", response_class=HTMLResponse, tags=["pages"])
async def annual_report_page(
    plan_id: PathId, period: PeriodPath, uow: Uow, ctx: Ctx, snapshot: SnapshotQ = None
) -> HTMLResponse:
    """绩效评估工作报告 as a printable page (the PDF is rendered from the same page)."""
    return HTMLResponse((await _report_html(uow, ctx, plan_id, period, snapshot, False))[0])


@router.get(
    "/reports/{plan_id}/{period}/annual-report-{lang_tag}.pdf",
    tags=["exports"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 409: {"description": "not graded yet"}},
)
async def annual_report_pdf(
    request: Request,
    plan_id: PathId,
    period: PeriodPath,
    uow: Uow,
    lang_tag: Annotated[str, Path(pattern="^(zh-CN|en)$")],
    snapshot: SnapshotQ = None,
) -> Response:
    """绩效评估工作报告 as PDF (WeasyPrint, Noto CJK): the language is part of the file name."""
    base = get_ctx(request, lang_tag, None)
    html, view = await _report_html(uow, base, plan_id, period, snapshot, True)
    return Response(
        await render_pdf(html),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(f'{plan_id}-{period}-v{view.snapshot_version}-{lang_tag}.pdf')}",
            "X-Snapshot-Version": str(view.snapshot_version),
        },
    )


@router.get("/reports/{plan_id}/{period}/annual-report.pdf", include_in_schema=False)
async def annual_report_pdf_default(
    request: Request, plan_id: PathId, period: PeriodPath, uow: Uow, snapshot: SnapshotQ = None
) -> Response:
    return await annual_report_pdf(request, plan_id, period, uow, "zh-CN", snapshot)


@router.get("/v1/plans/{plan_id}/labels", response_model=LabelsRead, tags=["labels"])
async def get_labels(plan_id: PathId, uow: Uow) -> LabelsRead:
    """A plan's explicit override, and the grade labels and unit names in effect."""
    return _labels_read(*await handlers.get_labels(uow, plan_id))


@router.put(
    "/v1/plans/{plan_id}/labels", response_model=LabelsRead, tags=["labels"], dependencies=[Depends(require(OFFICE))]
)
async def put_labels(plan_id: PathId, body: LabelsUpdate, uow: Uow, who: Caller) -> LabelsRead:
    """Replace the plan's explicit override (over labels learned from events, over 优/良/一般/差); {} clears it."""
    labels = PlanLabels(plan_id, dict(body.grades), dict(body.units))
    return _labels_read(*await handlers.set_labels(uow, labels, who.user or "office"))


def _labels_read(override: PlanLabels, effective: PlanLabels) -> LabelsRead:
    return LabelsRead(
        plan=override.plan_id,
        grades=override.grades,
        units=override.units,
        effective_grades=grade_labels(effective),
        effective_units=effective.units,
    )


# -- the public notice (公示) and objections (异议) -------------------------------------------------


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=307)


@router.get("/dashboard", response_class=HTMLResponse, tags=["pages"])
async def dashboard_index(uow: Uow, ctx: Ctx) -> HTMLResponse:
    """Every plan and period with links to its page."""
    periods = await handlers.list_periods(uow)
    names = {}
    for plan_id in dict.fromkeys(p.plan_id for p in periods):
        _override, labels = await handlers.get_labels(uow, plan_id)
        names[plan_id] = labels.info.name
    return HTMLResponse(views.index_html(periods, ctx, names))


@router.get("/dashboard/{plan_id}/{period}", response_class=HTMLResponse, tags=["pages"])
async def dashboard(plan_id: PathId, period: PeriodPath, uow: Uow, ctx: Ctx, group: Group = None) -> HTMLResponse:
    """The ranking page of one plan and period (works on a phone and on paper, no JavaScript)."""
    d = await handlers.dashboard(uow, plan_id, period, group=group)
    return HTMLResponse(
        views.dashboard_html(d.view, ctx, movers=d.movers, previous=d.previous_snapshot, notices=d.notices)
    )


@router.get("/lists/{plan_id}/{period}/{kind}", response_class=HTMLResponse, tags=["pages"])
async def list_page(
    plan_id: PathId, period: PeriodPath, kind: Kind, uow: Uow, ctx: Ctx, snapshot: SnapshotQ = None
) -> HTMLResponse:
    """通报表彰 / 通报批评 as a printable page."""
    view = await handlers.ranking_view(uow, plan_id, period, snapshot=snapshot, require_graded=True)
    rows = _LISTS[kind][0](view)
    persons = await people.list_people(uow, plan_id, period, view.snapshot_version, kind, [r.unit_id for r in rows])
    return HTMLResponse(views.list_html(kind, view, rows, ctx, persons))


def _token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else request.cookies.get(COOKIE, "")


async def _explanation(request: Request, plan: str, period: str, unit: str, card: ScoreCard) -> tuple[dict | None, str]:
    """Scoring's explanation of the card's score (the same snapshot), or why there is none."""
    scoring: AbstractScoringClient | None = request.app.state.runtime.extras.get("scoring")
    if scoring is None:
        return None, ""
    try:
        got = await scoring.unit_score(plan, period, unit, version=card.snapshot_version, token=_token(request))
    except JixiaoError as exc:
        return None, str(exc)
    return got.get("explanation"), ""


@router.get("/dashboard/{plan_id}/{period}/{unit_id}", response_class=HTMLResponse, tags=["pages"])
async def dashboard_card(
    request: Request, plan_id: PathId, period: PeriodPath, unit_id: PathId, uow: Uow, ctx: Ctx
) -> HTMLResponse:
    """The score card page of one unit: the sum step by step and scoring's explanation of every input."""
    card = await handlers.score_card(uow, plan_id, period, unit_id)
    explanation, error = await _explanation(request, plan_id, period, unit_id, card)
    trend = await handlers.quarterly_trend(uow, plan_id, unit_id)
    _override, labels = await handlers.get_labels(uow, plan_id)
    return HTMLResponse(
        views.card_html(
            card,
            ctx,
            explanation=explanation,
            explanation_error=error,
            trend=trend,
            components=list(labels.info.components) or None,
            plan_name=labels.info.name,
            indicator_names=labels.info.indicators,
        )
    )


@router.get(
    PERIOD + "/units/{unit_id}/card.xlsx",
    tags=["exports"],
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def get_card_xlsx(
    request: Request, plan_id: PathId, period: PeriodPath, unit_id: PathId, uow: Uow, ctx: Ctx
) -> Response:
    """One unit's score card as a workbook (成绩单, 指标明细, 扣分明细 with scoring's explanation)."""
    card = await handlers.score_card(uow, plan_id, period, unit_id)
    explanation, _error = await _explanation(request, plan_id, period, unit_id, card)
    _override, labels = await handlers.get_labels(uow, plan_id)
    return attachment(
        export_card_xlsx(card, explanation, ctx.m.component, labels.info.indicators),
        XLSX,
        f"{plan_id}-{period}-{unit_id}.xlsx",
    )

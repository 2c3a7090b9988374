"""The public notice (公示) and its objections (异议): the JSON API, the printable pages and the
browser forms that file and answer objections."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from jixiao.auth import OFFICE, Caller, actor_name, require, signed_in
from jixiao.rules import exactjson
from jixiao.validation import PathId, PeriodPath
from services.reports.domain.model import Notice, Objection
from services.reports.entrypoints import views
from services.reports.entrypoints.deps import PERIOD, Ctx, Uow, Version
from services.reports.entrypoints.schemas import (
    AnswerCreate,
    NoticeRead,
    ObjectionCreate,
    ObjectionRead,
)
from services.reports.service import handlers

router = APIRouter(dependencies=[Depends(signed_in)], tags=["notice"])


def _notice_read(
    notice: Notice, objections: list[Objection], is_open: bool, rescored: dict[str, int] | None = None
) -> NoticeRead:
    return NoticeRead(
        plan=notice.plan_id,
        period=notice.period,
        snapshot_version=notice.snapshot_version,
        sha256=notice.sha256,
        published_at=notice.published_at,
        ends_on=notice.ends_on,
        open=is_open,
        content=exactjson.loads(notice.content),
        objections=[_objection_read(o, rescored) for o in objections],
        objections_filed=len(objections),
        objections_answered=sum(1 for o in objections if o.answer),
    )


def _objection_read(o: Objection, rescored: dict[str, int] | None = None) -> ObjectionRead:
    return ObjectionRead(
        id=o.id,
        plan=o.plan_id,
        period=o.period,
        snapshot_version=o.snapshot_version,
        unit=o.unit_id,
        text=o.text,
        filed_by=o.filed_by,
        filed_at=o.filed_at,
        answer=o.answer or None,
        answered_by=o.answered_by or None,
        answered_at=o.answered_at,
        rescored_in=(rescored or {}).get(o.id),
    )


@router.get(PERIOD + "/notices/{version}", response_model=NoticeRead, tags=["notice"])
async def get_notice(plan_id: PathId, period: PeriodPath, version: Version, uow: Uow, ctx: Ctx) -> NoticeRead:
    """A graded snapshot's public notice (frozen content, SHA-256) with its objections."""
    notice, objections = await handlers.notice(uow, plan_id, period, version, zone=ctx.zone)
    is_open = handlers.notice_open(notice, datetime.now(UTC), ctx.zone)
    return _notice_read(notice, objections, is_open, await handlers.rescored_in(uow, plan_id, period))


@router.post(
    PERIOD + "/notices/{version}/objections",
    response_model=ObjectionRead,
    status_code=201,
    tags=["notice"],
    responses={409: {"description": "the notice period is over"}},
)
async def post_objection(
    plan_id: PathId, period: PeriodPath, version: Version, body: ObjectionCreate, uow: Uow, ctx: Ctx, who: Caller
) -> ObjectionRead:
    """File an objection (异议) against a unit's result while the notice period lasts (anyone signed in)."""
    actor = actor_name(who, body.filed_by) or who.user
    return _objection_read(
        await handlers.file_objection(uow, plan_id, period, version, body.unit, body.text, actor, zone=ctx.zone)
    )


@router.post("/v1/objections/{objection_id}/answer", response_model=ObjectionRead, tags=["notice"])
async def post_answer(
    objection_id: str, body: AnswerCreate, uow: Uow, who: Annotated[object, Depends(require(OFFICE))]
) -> ObjectionRead:
    """The office answers an objection."""
    actor = actor_name(who, body.answered_by) or who.user  # type: ignore[attr-defined]
    return _objection_read(await handlers.answer_objection(uow, objection_id, body.answer, actor))


async def _notice_page(
    request: Request, uow: Uow, ctx: views.Ctx, who, plan: str, period: str, version: int | None
) -> HTMLResponse:
    notice, objections = await handlers.notice(uow, plan, period, version, zone=ctx.zone)
    page = views.notice_html(
        notice,
        objections,
        ctx,
        is_open=handlers.notice_open(notice, datetime.now(UTC), ctx.zone),
        may_answer=who.has(OFFICE),
        earlier=await handlers.objections_before(uow, notice),
        rescored=await handlers.rescored_in(uow, plan, period),
    )
    return HTMLResponse(
        page, headers={"X-Snapshot-Version": str(notice.snapshot_version), "X-Snapshot-SHA256": notice.sha256}
    )


@router.get("/notice/{plan_id}/{period}", response_class=HTMLResponse, tags=["pages"])
async def notice_latest(
    request: Request, plan_id: PathId, period: PeriodPath, uow: Uow, ctx: Ctx, who: Caller
) -> HTMLResponse:
    """The notice (公示) of the latest graded snapshot."""
    return await _notice_page(request, uow, ctx, who, plan_id, period, None)


@router.get("/notice/{plan_id}/{period}/v{version}", response_class=HTMLResponse, tags=["pages"])
async def notice_version(
    request: Request, plan_id: PathId, period: PeriodPath, version: Version, uow: Uow, ctx: Ctx, who: Caller
) -> HTMLResponse:
    """The notice of one graded snapshot version: the same bytes whenever it is opened (while no objection
    is filed or answered in between); a later correction makes a new version with its own notice."""
    return await _notice_page(request, uow, ctx, who, plan_id, period, version)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post(
    "/notice/{plan_id}/{period}/v{version}/objections", tags=["pages"], response_class=RedirectResponse, status_code=303
)
async def notice_objection_form(
    request: Request, plan_id: PathId, period: PeriodPath, version: Version, uow: Uow, ctx: Ctx, who: Caller
) -> RedirectResponse:
    """The notice page's form: file an objection, then back to the notice."""
    form = await _form(request)
    actor = actor_name(who, form.get("name") or None) or who.user
    await handlers.file_objection(
        uow, plan_id, period, version, form.get("unit", ""), form.get("text", ""), actor, zone=ctx.zone
    )
    return RedirectResponse(
        ctx.href(f"/notice/{quote(plan_id, safe='')}/{quote(period, safe='')}/v{version}").replace("&amp;", "&")
        + "#objections",
        status_code=303,
    )


@router.post(
    "/notice/objections/{objection_id}/answer", tags=["pages"], response_class=RedirectResponse, status_code=303
)
async def notice_answer_form(
    request: Request, objection_id: str, uow: Uow, ctx: Ctx, who: Annotated[object, Depends(require(OFFICE))]
) -> RedirectResponse:
    """The notice page's answer form (office only)."""
    form = await _form(request)
    actor = actor_name(who, form.get("name") or None) or who.user  # type: ignore[attr-defined]
    o = await handlers.answer_objection(uow, objection_id, form.get("answer", ""), actor)
    return RedirectResponse(
        ctx.href(f"/notice/{quote(o.plan_id, safe='')}/{quote(o.period, safe='')}/v{o.snapshot_version}").replace(
            "&amp;", "&"
        )
        + "#objections",
        status_code=303,
    )


# -- pages ------------------------------------------------------------------------------------------

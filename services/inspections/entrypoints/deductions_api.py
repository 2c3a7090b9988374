"""REST routes of the inspections service: deductions (routes only translate)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from jixiao.auth import (
    INSPECTOR,
    LEADER,
    OFFICE,
    UNIT,
    Caller,
    may_see_unit,
    own_units,
    require_unit,
    signed_in,
)
from jixiao.errors import Forbidden
from jixiao.etags import IfMatch, set_etag
from jixiao.validation import Limit, Offset, PathId, YearQuery
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import commands as c
from services.inspections.entrypoints import schemas as s
from services.inspections.entrypoints.deps import INSPECTORS, OFFICE_ONLY, UNITS, Actor, Uow, page_of, set_created
from services.inspections.service import handlers as h

router = APIRouter(prefix="/v1", tags=["inspections"], dependencies=[Depends(signed_in)])


# --- deductions and ledger -------------------------------------------------------------------


@router.post("/plans/{plan_id}/deductions", response_model=s.DeductionRead, status_code=201, dependencies=INSPECTORS)
async def post_deduction(
    plan_id: PathId, body: s.DeductionCreate, uow: Uow, actor: Actor, response: Response
) -> s.DeductionRead:
    cmd = c.RecordDeduction(
        plan_id, body.unit_id, body.kind, body.points, body.date, body.aspect, body.note, body.id, body.person or ""
    )
    d, new = await h.record_deduction(uow, cmd, actor)
    set_created(response, new)
    return s.DeductionRead.of(d)


@router.get("/plans/{plan_id}/deductions", response_model=s.Page)
async def list_deductions(
    plan_id: PathId,
    uow: Uow,
    unit_id: str | None = None,
    kind: str | None = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(active|revoked)$")] = None,
    aspect: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> s.Page:
    f = ListFilter(unit_id=unit_id, kind=kind, status=status_, aspect=aspect, date_from=date_from, date_to=date_to)
    items, total = await h.list_records(uow, "deductions", plan_id, f, limit=limit, offset=offset)
    return page_of([s.DeductionRead.of(d) for d in items], total, limit, offset)


@router.get("/plans/{plan_id}/deductions/{deduction_id}", response_model=s.DeductionRead)
async def get_deduction(plan_id: PathId, deduction_id: str, uow: Uow, response: Response) -> s.DeductionRead:
    d = await h.get_deduction(uow, plan_id, deduction_id)
    set_etag(response, d.version)
    return s.DeductionRead.of(d)


@router.post(
    "/plans/{plan_id}/deductions/{deduction_id}/revoke", response_model=s.DeductionRead, dependencies=OFFICE_ONLY
)
async def revoke_deduction(
    plan_id: PathId, deduction_id: str, body: s.ReasonIn, uow: Uow, actor: Actor, if_match: IfMatch, response: Response
) -> s.DeductionRead:
    """Revoke a deduction directly (office correction); appeals revoke through their decision.
    An If-Match (the deduction's ETag) is checked when given: 412 if it moved on."""
    d = await h.revoke_deduction(uow, c.RevokeDeduction(plan_id, deduction_id, body.reason, if_match), actor)
    set_etag(response, d.version)
    return s.DeductionRead.of(d)


@router.get("/plans/{plan_id}/ledger", response_model=s.LedgerRead)
async def get_ledger(
    plan_id: PathId,
    uow: Uow,
    unit_id: str | None = None,
    kind: str | None = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(active|revoked)$")] = None,
    year: YearQuery = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> s.LedgerRead:
    """察访检验台帐: deductions of a year with running totals per unit and kind, and the plan's cap beside them."""
    f = ListFilter(unit_id=unit_id, kind=kind, status=status_, date_from=date_from, date_to=date_to)
    led = await h.ledger(uow, plan_id, f, year)
    return s.LedgerRead.of(plan_id, led.year, led.lines, led.totals)


# --- vetoes ----------------------------------------------------------------------------------


@router.post("/plans/{plan_id}/vetoes", response_model=s.VetoRead, status_code=201, dependencies=INSPECTORS)
async def post_veto(plan_id: PathId, body: s.VetoCreate, uow: Uow, actor: Actor, response: Response) -> s.VetoRead:
    cmd = c.IssueVeto(plan_id, body.unit_id, body.category, body.date, body.document, body.note, body.id)
    v, new = await h.issue_veto(uow, cmd, actor)
    set_created(response, new)
    return s.VetoRead.of(v)


@router.get("/plans/{plan_id}/vetoes", response_model=s.Page)
async def list_vetoes(
    plan_id: PathId,
    uow: Uow,
    unit_id: str | None = None,
    category: str | None = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(issued|lifted)$")] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> s.Page:
    f = ListFilter(unit_id=unit_id, category=category, status=status_, date_from=date_from, date_to=date_to)
    items, total = await h.list_records(uow, "vetoes", plan_id, f, limit=limit, offset=offset)
    return page_of([s.VetoRead.of(v) for v in items], total, limit, offset)


@router.get("/plans/{plan_id}/vetoes/{veto_id}", response_model=s.VetoRead)
async def get_veto(plan_id: PathId, veto_id: str, uow: Uow, response: Response) -> s.VetoRead:
    v = await h.get_veto(uow, plan_id, veto_id)
    set_etag(response, v.version)
    return s.VetoRead.of(v)


@router.post("/plans/{plan_id}/vetoes/{veto_id}/lift", response_model=s.VetoRead, dependencies=OFFICE_ONLY)
async def lift_veto(
    plan_id: PathId, veto_id: str, body: s.ReasonIn, uow: Uow, actor: Actor, if_match: IfMatch, response: Response
) -> s.VetoRead:
    """Lift a veto with a reason; an If-Match (the veto's ETag) is checked when given: 412 if it moved on."""
    v = await h.lift_veto(uow, c.LiftVeto(plan_id, veto_id, body.reason, if_match), actor)
    set_etag(response, v.version)
    return s.VetoRead.of(v)


# --- appeals ---------------------------------------------------------------------------------


@router.post(
    "/plans/{plan_id}/deductions/{deduction_id}/appeals",
    response_model=s.AppealRead,
    status_code=201,
    dependencies=UNITS,
)
async def post_appeal(
    plan_id: PathId, deduction_id: str, body: s.AppealCreate, uow: Uow, actor: Actor, who: Caller, response: Response
) -> s.AppealRead:
    """The deducted unit appeals (role: unit, for its own units; office)."""
    require_unit(who, plan_id, (await h.get_deduction(uow, plan_id, deduction_id)).unit_id)
    appeal, new = await h.file_appeal(uow, c.FileAppeal(plan_id, deduction_id, body.reason, body.id), actor)
    set_created(response, new)
    return s.AppealRead.of(appeal)


@router.get("/plans/{plan_id}/appeals", response_model=s.Page)
async def list_appeals(
    plan_id: PathId,
    uow: Uow,
    who: Caller,
    unit_id: str | None = None,
    deduction_id: str | None = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(open|granted|rejected)$")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> s.Page:
    """Appeals. Role: office, inspector, leader; a unit officer their own units' (all of them, or `unit_id`)."""
    mine = None
    if unit_id is None and not who.has(OFFICE, INSPECTOR, LEADER) and who.has(UNIT):
        mine = own_units(who, plan_id)
    elif not may_see_unit(who, plan_id, unit_id or "", INSPECTOR, LEADER):
        raise Forbidden(f"{who.user} may read only their own units' appeals")
    f = ListFilter(unit_id=unit_id, deduction_id=deduction_id, status=status_, unit_ids=mine)
    items, total = await h.list_records(uow, "appeals", plan_id, f, limit=limit, offset=offset)
    return page_of([s.AppealRead.of(a) for a in items], total, limit, offset)


@router.get("/plans/{plan_id}/appeals/{appeal_id}", response_model=s.AppealRead)
async def get_appeal(plan_id: PathId, appeal_id: str, uow: Uow, who: Caller) -> s.AppealRead:
    appeal = s.AppealRead.of(await h.get_appeal(uow, plan_id, appeal_id))
    if not may_see_unit(who, plan_id, appeal.unit_id, INSPECTOR, LEADER):
        raise Forbidden(f"{who.user} may not read appeals of unit {appeal.unit_id!r}")
    return appeal


@router.post(
    "/plans/{plan_id}/appeals/{appeal_id}/decision", response_model=s.AppealDecisionRead, dependencies=OFFICE_ONLY
)
async def decide_appeal(
    plan_id: PathId, appeal_id: str, body: s.AppealDecisionIn, uow: Uow, actor: Actor
) -> s.AppealDecisionRead:
    """Decide once: `revoke_deduction` (appeal granted) or `keep_deduction` (appeal rejected); repeats are no-ops."""
    result = await h.decide_appeal(uow, c.DecideAppeal(plan_id, appeal_id, body.decision, body.reason), actor)
    return s.AppealDecisionRead(
        appeal=s.AppealRead.of(result.appeal), changed=result.changed, deduction_revoked=result.deduction_revoked
    )

"""REST routes of the inspections service: discipline (routes only translate)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request, Response

from jixiao.auth import (
    signed_in,
)
from jixiao.validation import Limit, Offset, PathId, YearQuery
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import commands as c
from services.inspections.entrypoints import schemas as s
from services.inspections.entrypoints.deps import OFFICE_ONLY, Actor, Uow, page_of, set_created
from services.inspections.service import handlers as h

router = APIRouter(prefix="/v1", tags=["inspections"], dependencies=[Depends(signed_in)])


# --- discipline ------------------------------------------------------------------------------


@router.post(
    "/plans/{plan_id}/discipline/absences", response_model=s.AbsenceRead, status_code=201, dependencies=OFFICE_ONLY
)
async def post_absence(
    plan_id: PathId, body: s.AbsenceCreate, uow: Uow, actor: Actor, response: Response
) -> s.AbsenceRead:
    """Record an absence; an unexcused one enters a `discipline` deduction of the plan's points per absence."""
    cmd = c.RecordAbsence(
        plan_id, body.unit_id, body.person, body.activity, body.date, body.excused, body.note, body.id
    )
    absence, new = await h.record_absence(uow, cmd, actor)
    set_created(response, new)
    return s.AbsenceRead.of(absence)


@router.get("/plans/{plan_id}/discipline/absences", response_model=s.Page)
async def list_absences(
    plan_id: PathId,
    uow: Uow,
    unit_id: str | None = None,
    person: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> s.Page:
    f = ListFilter(unit_id=unit_id, person=person, date_from=date_from, date_to=date_to)
    items, total = await h.list_records(uow, "absences", plan_id, f, limit=limit, offset=offset)
    return page_of([s.AbsenceRead.of(a) for a in items], total, limit, offset)


@router.post(
    "/plans/{plan_id}/discipline/leaves", response_model=s.LeaveRead, status_code=201, dependencies=OFFICE_ONLY
)
async def post_leave(plan_id: PathId, body: s.LeaveCreate, uow: Uow, actor: Actor, response: Response) -> s.LeaveRead:
    cmd = c.RecordLeave(plan_id, body.unit_id, body.person, body.start, body.end, body.note, body.id)
    leave, new = await h.record_leave(uow, cmd, actor)
    set_created(response, new)
    return s.LeaveRead.of(leave)


@router.get("/plans/{plan_id}/discipline/leaves", response_model=s.Page)
async def list_leaves(
    plan_id: PathId,
    uow: Uow,
    unit_id: str | None = None,
    person: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> s.Page:
    f = ListFilter(unit_id=unit_id, person=person, date_from=date_from, date_to=date_to)
    items, total = await h.list_records(uow, "leaves", plan_id, f, limit=limit, offset=offset)
    return page_of([s.LeaveRead.of(lv) for lv in items], total, limit, offset)


@router.get("/plans/{plan_id}/discipline/eligibility")
async def get_eligibility(
    plan_id: PathId,
    uow: Uow,
    unit_id: str | None = None,
    person: str | None = None,
    year: YearQuery = None,
    ineligible_only: bool = False,
) -> dict:
    """Leave per person in the year; more than 15 consecutive or 30 cumulative days: not eligible for excellence."""
    year, statuses = await h.leave_eligibility(uow, plan_id, ListFilter(unit_id=unit_id, person=person), year)
    people = [s.EligibilityRead.of(x) for x in statuses if not (ineligible_only and x.eligible_for_excellence)]
    return {"plan_id": plan_id, "year": year, "people": [p.model_dump() for p in people]}


# --- audit and import ------------------------------------------------------------------------


@router.get("/plans/{plan_id}/audit", response_model=list[s.AuditRead])
async def get_audit(
    plan_id: PathId,
    uow: Uow,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[s.AuditRead]:
    entries = await h.audit_log(
        uow, plan_id, ListFilter(entity_type=entity_type, entity_id=entity_id), limit=limit, offset=offset
    )
    return [s.AuditRead.of(e) for e in entries]


@router.post("/import", dependencies=OFFICE_ONLY)
async def post_import(request: Request, uow: Uow, actor: Actor, dry_run: bool = False) -> dict:
    """The inspections part of a bundle ({plan, units, deductions, vetoes}); all or nothing, idempotent by id.
    `dry_run=true` checks and counts everything and writes nothing."""
    doc = await request.json()  # the kernel's exact reader: decimals, no NaN, no deep nesting
    counts = await h.import_bundle(uow, doc, actor, dry_run=dry_run)
    return {
        "plan_id": counts.plan_id,
        "plan": counts.plan,
        "units": counts.units,
        "deductions": counts.deductions,
        "vetoes": counts.vetoes,
        "staff": counts.staff,
        "leaves": counts.leaves,
        "absences": counts.absences,
        "events": counts.events,
        "notes": counts.notes,
        **({"dry_run": True} if dry_run else {}),
    }

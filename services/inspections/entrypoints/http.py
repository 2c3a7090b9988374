"""REST routes: translate HTTP to commands, call a handler, translate the result back."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Depends, File, Header, Query, Request, Response, UploadFile, status

from jixiao import uploads
from jixiao.auth import (
    ASSESSOR,
    INSPECTOR,
    LEADER,
    OFFICE,
    UNIT,
    Caller,
    actor_name,
    may_see_unit,
    require,
    require_unit,
    signed_in,
)
from jixiao.errors import Forbidden
from jixiao.etags import IfMatch, set_etag
from jixiao.validation import Limit, Offset, YearQuery
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import commands as c
from services.inspections.domain.model import ACTIVITIES, ASPECTS, MODES, VETO_CATEGORIES
from services.inspections.entrypoints import schemas as s
from services.inspections.service import handlers as h
from services.inspections.service.unit_of_work import SqlAlchemyInspectionsUnitOfWork

router = APIRouter(prefix="/v1", tags=["inspections"], dependencies=[Depends(signed_in)])
# Who may change what (JIXIAO_AUTH; off: everyone is the local operator). Any role reads.
OFFICE_ONLY = [Depends(require(OFFICE))]
INSPECTORS = [Depends(require(INSPECTOR, OFFICE))]
UNITS = [Depends(require(UNIT, OFFICE))]


def _uow(request: Request) -> SqlAlchemyInspectionsUnitOfWork:
    return SqlAlchemyInspectionsUnitOfWork(request.app.state.runtime)


def _actor(who: Caller, x_actor: Annotated[str | None, Header(alias="X-Actor")] = None) -> str:
    # the token's user when there is one; else the header (latin-1: names in Chinese come percent-encoded)
    given = unquote(x_actor).strip()[:200] if x_actor and x_actor.strip() else "system"
    return actor_name(who, given) or "system"


Uow = Annotated[SqlAlchemyInspectionsUnitOfWork, Depends(_uow)]
Actor = Annotated[str, Depends(_actor)]


def _created(response: Response, new: bool) -> None:
    response.status_code = status.HTTP_201_CREATED if new else status.HTTP_200_OK


def _page(items: list, total: int, limit: int, offset: int) -> s.Page:
    return s.Page(items=items, total=total, limit=limit, offset=offset)


# --- plans -----------------------------------------------------------------------------------


@router.put("/plans/{plan_id}", response_model=s.PlanSettingsRead, dependencies=OFFICE_ONLY)
async def put_plan(plan_id: str, body: s.PlanSettingsUpdate, uow: Uow, actor: Actor) -> s.PlanSettingsRead:
    """Set the plan settings this service uses (year, veto categories, deduction kinds and caps, ...)."""
    cmd = c.ConfigurePlan(
        plan_id,
        body.year,
        body.veto_categories,
        {k.kind: k.cap for k in body.deduction_kinds},
        body.discipline_points_per_absence,
        body.appeal_window_days,
    )
    return s.PlanSettingsRead.of(await h.configure_plan(uow, cmd, actor))


@router.get("/plans/{plan_id}", response_model=s.PlanSettingsRead)
async def get_plan(plan_id: str, uow: Uow) -> s.PlanSettingsRead:
    return s.PlanSettingsRead.of(await h.get_plan(uow, plan_id))


@router.get("/plans/{plan_id}/form-options")
async def form_options(plan_id: str, uow: Uow) -> dict:
    """Everything an inspector's mobile entry form needs in one request: codes with their Chinese labels."""
    plan = await h.get_plan(uow, plan_id)
    return {
        "plan_id": plan_id,
        "year": plan.year,
        "modes": [{"code": k, "label": v} for k, v in MODES.items()],
        "aspects": [{"code": k, "label": v} for k, v in ASPECTS.items()],
        "veto_categories": [{"code": k, "label": VETO_CATEGORIES.get(k, k)} for k in plan.veto_categories],
        "deduction_kinds": list(plan.kinds),
        "activities": [{"code": k, "label": v} for k, v in ACTIVITIES.items()],
        "discipline_points_per_absence": s.dec_str(plan.discipline_points),
    }


# --- deductions and ledger -------------------------------------------------------------------


@router.post("/plans/{plan_id}/deductions", response_model=s.DeductionRead, status_code=201, dependencies=INSPECTORS)
async def post_deduction(
    plan_id: str, body: s.DeductionCreate, uow: Uow, actor: Actor, response: Response
) -> s.DeductionRead:
    cmd = c.RecordDeduction(plan_id, body.unit_id, body.kind, body.points, body.date, body.aspect, body.note, body.id)
    d, new = await h.record_deduction(uow, cmd, actor)
    _created(response, new)
    return s.DeductionRead.of(d)


@router.get("/plans/{plan_id}/deductions", response_model=s.Page)
async def list_deductions(
    plan_id: str,
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
    return _page([s.DeductionRead.of(d) for d in items], total, limit, offset)


@router.get("/plans/{plan_id}/deductions/{deduction_id}", response_model=s.DeductionRead)
async def get_deduction(plan_id: str, deduction_id: str, uow: Uow, response: Response) -> s.DeductionRead:
    d = await h.get_deduction(uow, plan_id, deduction_id)
    set_etag(response, d.version)
    return s.DeductionRead.of(d)


@router.post(
    "/plans/{plan_id}/deductions/{deduction_id}/revoke", response_model=s.DeductionRead, dependencies=OFFICE_ONLY
)
async def revoke_deduction(
    plan_id: str, deduction_id: str, body: s.ReasonIn, uow: Uow, actor: Actor, if_match: IfMatch, response: Response
) -> s.DeductionRead:
    """Revoke a deduction directly (office correction); appeals revoke through their decision.
    An If-Match (the deduction's ETag) is checked when given: 412 if it moved on."""
    d = await h.revoke_deduction(uow, c.RevokeDeduction(plan_id, deduction_id, body.reason, if_match), actor)
    set_etag(response, d.version)
    return s.DeductionRead.of(d)


@router.get("/plans/{plan_id}/ledger", response_model=s.LedgerRead)
async def get_ledger(
    plan_id: str,
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
async def post_veto(plan_id: str, body: s.VetoCreate, uow: Uow, actor: Actor, response: Response) -> s.VetoRead:
    cmd = c.IssueVeto(plan_id, body.unit_id, body.category, body.date, body.document, body.note, body.id)
    v, new = await h.issue_veto(uow, cmd, actor)
    _created(response, new)
    return s.VetoRead.of(v)


@router.get("/plans/{plan_id}/vetoes", response_model=s.Page)
async def list_vetoes(
    plan_id: str,
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
    return _page([s.VetoRead.of(v) for v in items], total, limit, offset)


@router.get("/plans/{plan_id}/vetoes/{veto_id}", response_model=s.VetoRead)
async def get_veto(plan_id: str, veto_id: str, uow: Uow, response: Response) -> s.VetoRead:
    v = await h.get_veto(uow, plan_id, veto_id)
    set_etag(response, v.version)
    return s.VetoRead.of(v)


@router.post("/plans/{plan_id}/vetoes/{veto_id}/lift", response_model=s.VetoRead, dependencies=OFFICE_ONLY)
async def lift_veto(
    plan_id: str, veto_id: str, body: s.ReasonIn, uow: Uow, actor: Actor, if_match: IfMatch, response: Response
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
    plan_id: str, deduction_id: str, body: s.AppealCreate, uow: Uow, actor: Actor, who: Caller, response: Response
) -> s.AppealRead:
    """The deducted unit appeals (role: unit, for its own units; office)."""
    require_unit(who, plan_id, (await h.get_deduction(uow, plan_id, deduction_id)).unit_id)
    appeal, new = await h.file_appeal(uow, c.FileAppeal(plan_id, deduction_id, body.reason, body.id), actor)
    _created(response, new)
    return s.AppealRead.of(appeal)


@router.get("/plans/{plan_id}/appeals", response_model=s.Page)
async def list_appeals(
    plan_id: str,
    uow: Uow,
    who: Caller,
    unit_id: str | None = None,
    deduction_id: str | None = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(open|granted|rejected)$")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> s.Page:
    """Appeals. Role: office, inspector, leader; a unit officer for one of their units (`unit_id`)."""
    if not may_see_unit(who, plan_id, unit_id or "", INSPECTOR, LEADER):
        raise Forbidden(f"{who.user} may read only their own units' appeals (give unit_id)")
    f = ListFilter(unit_id=unit_id, deduction_id=deduction_id, status=status_)
    items, total = await h.list_records(uow, "appeals", plan_id, f, limit=limit, offset=offset)
    return _page([s.AppealRead.of(a) for a in items], total, limit, offset)


@router.get("/plans/{plan_id}/appeals/{appeal_id}", response_model=s.AppealRead)
async def get_appeal(plan_id: str, appeal_id: str, uow: Uow, who: Caller) -> s.AppealRead:
    appeal = s.AppealRead.of(await h.get_appeal(uow, plan_id, appeal_id))
    if not may_see_unit(who, plan_id, appeal.unit_id, INSPECTOR, LEADER):
        raise Forbidden(f"{who.user} may not read appeals of unit {appeal.unit_id!r}")
    return appeal


@router.post(
    "/plans/{plan_id}/appeals/{appeal_id}/decision", response_model=s.AppealDecisionRead, dependencies=OFFICE_ONLY
)
async def decide_appeal(
    plan_id: str, appeal_id: str, body: s.AppealDecisionIn, uow: Uow, actor: Actor
) -> s.AppealDecisionRead:
    """Decide once: `revoke_deduction` (appeal granted) or `keep_deduction` (appeal rejected); repeats are no-ops."""
    result = await h.decide_appeal(uow, c.DecideAppeal(plan_id, appeal_id, body.decision, body.reason), actor)
    return s.AppealDecisionRead(
        appeal=s.AppealRead.of(result.appeal), changed=result.changed, deduction_revoked=result.deduction_revoked
    )


# --- inspections -----------------------------------------------------------------------------


def _new_finding(f: s.FindingCreate) -> c.NewFinding:
    return c.NewFinding(f.aspect, f.description, f.proposed_points, f.id)


@router.post("/plans/{plan_id}/inspections", response_model=s.InspectionRead, status_code=201, dependencies=INSPECTORS)
async def post_inspection(
    plan_id: str, body: s.InspectionCreate, uow: Uow, actor: Actor, response: Response
) -> s.InspectionRead:
    """One request from the mobile form: the visit and its findings (proposed deductions are not yet in the ledger)."""
    cmd = c.CreateInspection(
        plan_id,
        body.unit_id,
        body.mode,
        body.date,
        body.inspectors,
        body.note,
        [_new_finding(f) for f in body.findings],
        body.id,
    )
    inspection, new = await h.create_inspection(uow, cmd, actor)
    _created(response, new)
    set_etag(response, inspection.revision)
    return s.InspectionRead.of(inspection)


@router.get("/plans/{plan_id}/inspections", response_model=s.Page)
async def list_inspections(
    plan_id: str,
    uow: Uow,
    unit_id: str | None = None,
    mode: Annotated[str | None, Query(pattern="^(announced|unannounced)$")] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> s.Page:
    f = ListFilter(unit_id=unit_id, mode=mode, date_from=date_from, date_to=date_to)
    items, total = await h.list_records(uow, "inspections", plan_id, f, limit=limit, offset=offset)
    return _page([s.InspectionRead.of(i) for i in items], total, limit, offset)


@router.get("/plans/{plan_id}/inspections/{inspection_id}", response_model=s.InspectionRead)
async def get_inspection(plan_id: str, inspection_id: str, uow: Uow, response: Response) -> s.InspectionRead:
    inspection = await h.get_inspection(uow, plan_id, inspection_id)
    set_etag(response, inspection.revision)
    return s.InspectionRead.of(inspection)


@router.put("/plans/{plan_id}/inspections/{inspection_id}", response_model=s.InspectionRead, dependencies=INSPECTORS)
async def put_inspection(
    plan_id: str,
    inspection_id: str,
    body: s.InspectionUpdate,
    uow: Uow,
    actor: Actor,
    if_match: IfMatch,
    response: Response,
) -> s.InspectionRead:
    """Correct the visit with a reason (If-Match required: 428 without, 412 if stale; audited)."""
    cmd = c.EditInspection(
        plan_id, inspection_id, body.unit_id, body.mode, body.date, body.inspectors, body.note, body.reason, if_match
    )
    inspection = await h.edit_inspection(uow, cmd, actor)
    set_etag(response, inspection.revision)
    return s.InspectionRead.of(inspection)


@router.post(
    "/plans/{plan_id}/inspections/{inspection_id}/findings",
    response_model=s.FindingRead,
    status_code=201,
    dependencies=INSPECTORS,
)
async def post_finding(
    plan_id: str, inspection_id: str, body: s.FindingCreate, uow: Uow, actor: Actor, response: Response
) -> s.FindingRead:
    finding = await h.add_finding(uow, c.AddFinding(plan_id, inspection_id, _new_finding(body)), actor)
    set_etag(response, finding.revision)
    return s.FindingRead.of(finding)


@router.get("/plans/{plan_id}/inspections/{inspection_id}/findings/{finding_id}", response_model=s.FindingRead)
async def get_finding(plan_id: str, inspection_id: str, finding_id: str, uow: Uow, response: Response) -> s.FindingRead:
    finding = await h.get_finding(uow, plan_id, inspection_id, finding_id)
    set_etag(response, finding.revision)
    return s.FindingRead.of(finding)


@router.put(
    "/plans/{plan_id}/inspections/{inspection_id}/findings/{finding_id}",
    response_model=s.FindingRead,
    dependencies=INSPECTORS,
)
async def put_finding(
    plan_id: str,
    inspection_id: str,
    finding_id: str,
    body: s.FindingUpdate,
    uow: Uow,
    actor: Actor,
    if_match: IfMatch,
    response: Response,
) -> s.FindingRead:
    """Correct a finding with a reason (If-Match required; audited). A confirmed finding keeps its aspect
    and points (409: revoke its deduction and record a new one); its description can be corrected."""
    cmd = c.EditFinding(
        plan_id, inspection_id, finding_id, body.aspect, body.description, body.proposed_points, body.reason, if_match
    )
    finding = await h.edit_finding(uow, cmd, actor)
    set_etag(response, finding.revision)
    return s.FindingRead.of(finding)


@router.post(
    "/plans/{plan_id}/inspections/{inspection_id}/findings/{finding_id}/deduction",
    response_model=s.DeductionRead,
    status_code=201,
    dependencies=INSPECTORS,
)
async def confirm_finding(
    plan_id: str,
    inspection_id: str,
    finding_id: str,
    body: s.FindingConfirm,
    uow: Uow,
    actor: Actor,
    response: Response,
) -> s.DeductionRead:
    """Enter the finding's deduction in the ledger (once; a repeat returns the same deduction with 200)."""
    d, new = await h.confirm_finding(uow, c.ConfirmFinding(plan_id, inspection_id, finding_id, body.points), actor)
    _created(response, new)
    return s.DeductionRead.of(d)


@router.post(
    "/plans/{plan_id}/inspections/{inspection_id}/findings/{finding_id}/evidence",
    response_model=s.EvidenceRead,
    status_code=201,
    dependencies=INSPECTORS,
)
async def post_evidence(
    plan_id: str, inspection_id: str, finding_id: str, uow: Uow, actor: Actor, file: Annotated[UploadFile, File()]
) -> s.EvidenceRead:
    content = await file.read(h.MAX_EVIDENCE_BYTES + 1)
    # the kernel's upload rules: a safe name, a type the bytes prove (never the client's word)
    name = uploads.clean_filename(file.filename)
    kind = uploads.media_type(name, file.content_type)
    uploads.check_upload(
        name,
        kind,
        content[:16],
        len(content),
        uploads.UploadLimits(h.MAX_EVIDENCE_BYTES, frozenset(uploads.DEFAULT_TYPES)),
    )
    cmd = c.AttachEvidence(plan_id, inspection_id, finding_id, name, kind, content)
    return s.EvidenceRead.of(await h.attach_evidence(uow, cmd, actor))


@router.get("/plans/{plan_id}/evidence/{evidence_id}")
async def get_evidence(plan_id: str, evidence_id: str, uow: Uow, who: Caller) -> Response:
    """An evidence file, as a download. Role: office, inspector, assessor, leader."""
    if not who.has(OFFICE, INSPECTOR, ASSESSOR, LEADER):
        raise Forbidden(f"{who.user} may not read inspection evidence")
    ev, content = await h.get_evidence(uow, plan_id, evidence_id)
    # served as a download, never rendered: stored bytes cannot run in an office user's browser
    return Response(
        content,
        media_type=ev.content_type if ev.content_type in uploads.DEFAULT_TYPES else "application/octet-stream",
        headers=uploads.attachment_headers(ev.filename, ev.sha256),
    )


# --- discipline ------------------------------------------------------------------------------


@router.post(
    "/plans/{plan_id}/discipline/absences", response_model=s.AbsenceRead, status_code=201, dependencies=OFFICE_ONLY
)
async def post_absence(
    plan_id: str, body: s.AbsenceCreate, uow: Uow, actor: Actor, response: Response
) -> s.AbsenceRead:
    """Record an absence; an unexcused one enters a `discipline` deduction of the plan's points per absence."""
    cmd = c.RecordAbsence(
        plan_id, body.unit_id, body.person, body.activity, body.date, body.excused, body.note, body.id
    )
    absence, new = await h.record_absence(uow, cmd, actor)
    _created(response, new)
    return s.AbsenceRead.of(absence)


@router.get("/plans/{plan_id}/discipline/absences", response_model=s.Page)
async def list_absences(
    plan_id: str,
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
    return _page([s.AbsenceRead.of(a) for a in items], total, limit, offset)


@router.post(
    "/plans/{plan_id}/discipline/leaves", response_model=s.LeaveRead, status_code=201, dependencies=OFFICE_ONLY
)
async def post_leave(plan_id: str, body: s.LeaveCreate, uow: Uow, actor: Actor, response: Response) -> s.LeaveRead:
    cmd = c.RecordLeave(plan_id, body.unit_id, body.person, body.start, body.end, body.note, body.id)
    leave, new = await h.record_leave(uow, cmd, actor)
    _created(response, new)
    return s.LeaveRead.of(leave)


@router.get("/plans/{plan_id}/discipline/leaves", response_model=s.Page)
async def list_leaves(
    plan_id: str,
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
    return _page([s.LeaveRead.of(lv) for lv in items], total, limit, offset)


@router.get("/plans/{plan_id}/discipline/eligibility")
async def get_eligibility(
    plan_id: str,
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
    plan_id: str,
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

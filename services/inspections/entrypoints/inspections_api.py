"""REST routes of the inspections service: inspections (routes only translate)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from jixiao import uploads
from jixiao.auth import (
    ASSESSOR,
    INSPECTOR,
    LEADER,
    OFFICE,
    Caller,
    signed_in,
)
from jixiao.errors import Forbidden
from jixiao.etags import IfMatch, set_etag
from jixiao.validation import Limit, Offset, PathId
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import commands as c
from services.inspections.entrypoints import inspection_schemas as si
from services.inspections.entrypoints import schemas as s
from services.inspections.entrypoints.deps import INSPECTORS, Actor, Uow, page_of, set_created
from services.inspections.service import handlers as h

router = APIRouter(prefix="/v1", tags=["inspections"], dependencies=[Depends(signed_in)])


# --- inspections -----------------------------------------------------------------------------


def _new_finding(f: si.FindingCreate) -> c.NewFinding:
    return c.NewFinding(f.aspect, f.description, f.proposed_points, f.id)


@router.post("/plans/{plan_id}/inspections", response_model=si.InspectionRead, status_code=201, dependencies=INSPECTORS)
async def post_inspection(
    plan_id: PathId, body: si.InspectionCreate, uow: Uow, actor: Actor, response: Response
) -> si.InspectionRead:
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
    set_created(response, new)
    set_etag(response, inspection.revision)
    return si.InspectionRead.of(inspection)


@router.get("/plans/{plan_id}/inspections", response_model=s.Page)
async def list_inspections(
    plan_id: PathId,
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
    return page_of([si.InspectionRead.of(i) for i in items], total, limit, offset)


@router.get("/plans/{plan_id}/inspections/{inspection_id}", response_model=si.InspectionRead)
async def get_inspection(plan_id: PathId, inspection_id: str, uow: Uow, response: Response) -> si.InspectionRead:
    inspection = await h.get_inspection(uow, plan_id, inspection_id)
    set_etag(response, inspection.revision)
    return si.InspectionRead.of(inspection)


@router.put("/plans/{plan_id}/inspections/{inspection_id}", response_model=si.InspectionRead, dependencies=INSPECTORS)
async def put_inspection(
    plan_id: PathId,
    inspection_id: str,
    body: si.InspectionUpdate,
    uow: Uow,
    actor: Actor,
    if_match: IfMatch,
    response: Response,
) -> si.InspectionRead:
    """Correct the visit with a reason (If-Match required: 428 without, 412 if stale; audited)."""
    cmd = c.EditInspection(
        plan_id, inspection_id, body.unit_id, body.mode, body.date, body.inspectors, body.note, body.reason, if_match
    )
    inspection = await h.edit_inspection(uow, cmd, actor)
    set_etag(response, inspection.revision)
    return si.InspectionRead.of(inspection)


@router.post(
    "/plans/{plan_id}/inspections/{inspection_id}/findings",
    response_model=si.FindingRead,
    status_code=201,
    dependencies=INSPECTORS,
)
async def post_finding(
    plan_id: PathId, inspection_id: str, body: si.FindingCreate, uow: Uow, actor: Actor, response: Response
) -> si.FindingRead:
    finding = await h.add_finding(uow, c.AddFinding(plan_id, inspection_id, _new_finding(body)), actor)
    set_etag(response, finding.revision)
    return si.FindingRead.of(finding)


@router.get("/plans/{plan_id}/inspections/{inspection_id}/findings/{finding_id}", response_model=si.FindingRead)
async def get_finding(
    plan_id: PathId, inspection_id: str, finding_id: str, uow: Uow, response: Response
) -> si.FindingRead:
    finding = await h.get_finding(uow, plan_id, inspection_id, finding_id)
    set_etag(response, finding.revision)
    return si.FindingRead.of(finding)


@router.put(
    "/plans/{plan_id}/inspections/{inspection_id}/findings/{finding_id}",
    response_model=si.FindingRead,
    dependencies=INSPECTORS,
)
async def put_finding(
    plan_id: PathId,
    inspection_id: str,
    finding_id: str,
    body: si.FindingUpdate,
    uow: Uow,
    actor: Actor,
    if_match: IfMatch,
    response: Response,
) -> si.FindingRead:
    """Correct a finding with a reason (If-Match required; audited). A confirmed finding keeps its aspect
    and points (409: revoke its deduction and record a new one); its description can be corrected."""
    cmd = c.EditFinding(
        plan_id, inspection_id, finding_id, body.aspect, body.description, body.proposed_points, body.reason, if_match
    )
    finding = await h.edit_finding(uow, cmd, actor)
    set_etag(response, finding.revision)
    return si.FindingRead.of(finding)


@router.post(
    "/plans/{plan_id}/inspections/{inspection_id}/findings/{finding_id}/deduction",
    response_model=s.DeductionRead,
    status_code=201,
    dependencies=INSPECTORS,
)
async def confirm_finding(
    plan_id: PathId,
    inspection_id: str,
    finding_id: str,
    body: si.FindingConfirm,
    uow: Uow,
    actor: Actor,
    response: Response,
) -> s.DeductionRead:
    """Enter the finding's deduction in the ledger (once; a repeat returns the same deduction with 200)."""
    d, new = await h.confirm_finding(uow, c.ConfirmFinding(plan_id, inspection_id, finding_id, body.points), actor)
    set_created(response, new)
    return s.DeductionRead.of(d)


@router.post(
    "/plans/{plan_id}/inspections/{inspection_id}/findings/{finding_id}/evidence",
    response_model=si.EvidenceRead,
    status_code=201,
    dependencies=INSPECTORS,
)
async def post_evidence(
    plan_id: PathId, inspection_id: str, finding_id: str, uow: Uow, actor: Actor, file: Annotated[UploadFile, File()]
) -> si.EvidenceRead:
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
    return si.EvidenceRead.of(await h.attach_evidence(uow, cmd, actor))


@router.get("/plans/{plan_id}/evidence/{evidence_id}")
async def get_evidence(plan_id: PathId, evidence_id: str, uow: Uow, who: Caller) -> Response:
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

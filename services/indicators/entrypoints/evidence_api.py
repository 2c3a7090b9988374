"""REST for evidence files of results: multipart upload, listing, download, delete (routes only translate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile, status

from jixiao import uploads
from jixiao.auth import ASSESSOR, LEADER, may_see_unit
from jixiao.errors import Forbidden
from services.indicators.domain.model import Evidence
from services.indicators.service import handlers as h

from .deps import (
    SIGNED_IN,
    UNIT_OR_OFFICE,
    Caller,
    DecimalRoute,
    Settings,
    Store,
    UoW,
    actor_name,
    read_limited,
    require_unit,
)
from .schemas import EvidenceRead

router = APIRouter(tags=["evidence"], route_class=DecimalRoute, dependencies=SIGNED_IN)


def evidence_read(item: Evidence) -> EvidenceRead:
    return EvidenceRead.model_validate({**vars(item), "stored": "directory" if item.path else "database"})


@router.post(
    "/v1/results/{result_id}/evidence",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidenceRead,
    dependencies=UNIT_OR_OFFICE,
    responses={
        413: {"description": "the file is larger than JIXIAO_EVIDENCE_MAX_BYTES"},
        422: {"description": "empty file, type not allowed, or content not of its type"},
    },
)
async def upload_evidence(
    result_id: str,
    uow: UoW,
    store: Store,
    settings: Settings,
    who: Caller,
    file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, XLSX or DOCX by default")],
    actor: Annotated[str | None, Form(max_length=200)] = None,
    note: Annotated[str | None, Form(max_length=2000)] = None,
) -> EvidenceRead:
    """Attach a file to a result while its period is open (kept in the database or JIXIAO_EVIDENCE_DIR)."""
    found = await h.get_result(uow, result_id)
    require_unit(who, found.plan_id, found.unit_id)
    data = await read_limited(file, settings.evidence_max_bytes)
    item = await h.upload_evidence(
        uow,
        store,
        settings.evidence_limits(),
        result_id,
        file.filename,
        file.content_type,
        data,
        actor_name(who, actor),
        note,
    )
    return evidence_read(item)


def _may_read(who, plan_id: str, unit_id: str) -> None:
    # a unit's evidence is unpublished: the office, assessors and leaders, or the unit itself
    if not may_see_unit(who, plan_id, unit_id, ASSESSOR, LEADER):
        raise Forbidden(f"{who.user} may not read the evidence of unit {unit_id!r}")


@router.get("/v1/results/{result_id}/evidence", response_model=list[EvidenceRead])
async def list_evidence(result_id: str, uow: UoW, who: Caller) -> list[EvidenceRead]:
    """A result's files. Role: office, assessor, leader, the unit itself."""
    found = await h.get_result(uow, result_id)
    _may_read(who, found.plan_id, found.unit_id)
    return [evidence_read(e) for e in await h.list_evidence(uow, result_id)]


@router.get(
    "/v1/evidence/{evidence_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file as uploaded"}},
)
async def download_evidence(evidence_id: str, uow: UoW, store: Store, who: Caller) -> Response:
    """The file, as a download. Role: office, assessor, leader, the unit itself."""
    _may_read(who, *await h.evidence_unit(uow, evidence_id))
    item, data = await h.read_evidence(uow, store, evidence_id)
    return Response(data, media_type=item.content_type, headers=uploads.attachment_headers(item.filename, item.sha256))


@router.delete(
    "/v1/evidence/{evidence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    dependencies=UNIT_OR_OFFICE,
)
async def delete_evidence(evidence_id: str, uow: UoW, store: Store, who: Caller) -> Response:
    """Remove a file of a result that is not confirmed, while its period is open. Role: unit (its own), office."""
    require_unit(who, *await h.evidence_unit(uow, evidence_id))
    await h.delete_evidence(uow, store, evidence_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""REST for evidence files of results: multipart upload, listing, download, delete (routes only translate)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Response, UploadFile, status

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


@router.post("/v1/results/{result_id}/evidence", status_code=status.HTTP_201_CREATED, response_model=EvidenceRead,
             dependencies=UNIT_OR_OFFICE,
             responses={413: {"description": "the file is larger than JIXIAO_EVIDENCE_MAX_BYTES"},
                        422: {"description": "empty file, type not allowed, or content not of its type"}})
async def upload_evidence(result_id: str, uow: UoW, store: Store, settings: Settings, who: Caller,
                          file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, XLSX or DOCX by default")],
                          actor: Annotated[str | None, Form(max_length=200)] = None,
                          note: Annotated[str | None, Form(max_length=2000)] = None) -> EvidenceRead:
    """Attach a file to a result while its period is open (kept in the database or JIXIAO_EVIDENCE_DIR)."""
    require_unit(who, (await h.get_result(uow, result_id)).unit_id)
    data = await read_limited(file, settings.evidence_max_bytes)
    item = await h.upload_evidence(uow, store, settings.evidence_limits(), result_id, file.filename,
                                   file.content_type, data, actor_name(who, actor), note)
    return evidence_read(item)


@router.get("/v1/results/{result_id}/evidence", response_model=list[EvidenceRead])
async def list_evidence(result_id: str, uow: UoW) -> list[EvidenceRead]:
    return [evidence_read(e) for e in await h.list_evidence(uow, result_id)]


@router.get("/v1/evidence/{evidence_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "the file as uploaded"}})
async def download_evidence(evidence_id: str, uow: UoW, store: Store) -> Response:
    item, data = await h.read_evidence(uow, store, evidence_id)
    return Response(data, media_type=item.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item.filename)}",
        "ETag": f'"{item.sha256}"', "X-Content-Type-Options": "nosniff"})


@router.delete("/v1/evidence/{evidence_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               dependencies=UNIT_OR_OFFICE)
async def delete_evidence(evidence_id: str, uow: UoW, store: Store, who: Caller) -> Response:
    """Remove a file of a result that is not confirmed, while its period is open. Role: unit (its own), office."""
    require_unit(who, await h.evidence_unit(uow, evidence_id))
    await h.delete_evidence(uow, store, evidence_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""Use cases for evidence files backing a result: upload (size and type limits), list, download, delete."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from services.indicators.adapters.evidence_store import EvidenceStore
from services.indicators.domain import evidence as rules
from services.indicators.domain.errors import EvidenceNotFound, ResultNotFound, WrongState
from services.indicators.domain.model import CONFIRMED, Evidence, Result

from .common import require_open, utcnow
from .unit_of_work import AbstractUnitOfWork


async def _result(uow: AbstractUnitOfWork, rid: str) -> Result:
    result = await uow.results.get(rid)
    if result is None:
        raise ResultNotFound(f"no result {rid!r}")
    return result


async def upload_evidence(
    uow: AbstractUnitOfWork,
    store: EvidenceStore,
    limits: rules.UploadLimits,
    rid: str,
    filename: str | None,
    content_type: str | None,
    data: bytes,
    actor: str | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Evidence:
    """Attach a file to a result while its period is open; refused whole if too large or not of an allowed type."""
    name = rules.clean_filename(filename)
    kind = rules.media_type(name, content_type)
    rules.check_upload(name, kind, data[:16], len(data), limits)
    async with uow:
        result = await _result(uow, rid)
        await require_open(uow, result.plan_id, result.period)
        item = Evidence(
            str(uuid.uuid4()),
            rid,
            name,
            kind,
            len(data),
            hashlib.sha256(data).hexdigest(),
            now or utcnow(),
            uploaded_by=actor,
            note=note,
        )
        await store.put(item, data)
        try:
            await uow.evidence.save(item)
            await uow.commit()
        except BaseException:
            await store.discard(item)
            raise
    item.data = None
    return item


async def list_evidence(uow: AbstractUnitOfWork, rid: str) -> list[Evidence]:
    """The files of a result (metadata only), oldest first."""
    async with uow:
        await _result(uow, rid)
        items = await uow.evidence.find_meta(result_id=rid)
    return sorted(items, key=lambda e: (e.uploaded_at, e.id))


async def read_evidence(uow: AbstractUnitOfWork, store: EvidenceStore, evidence_id: str) -> tuple[Evidence, bytes]:
    async with uow:
        item = await uow.evidence.get(evidence_id)
    if item is None:
        raise EvidenceNotFound(f"no evidence {evidence_id!r}")
    return item, await store.read(item)


async def evidence_unit(uow: AbstractUnitOfWork, evidence_id: str) -> tuple[str, str]:
    """The (plan, unit) whose result an evidence file backs (who may see or remove it)."""
    async with uow:
        item = await uow.evidence.get(evidence_id)
        if item is None:
            raise EvidenceNotFound(f"no evidence {evidence_id!r}")
        result = await _result(uow, item.result_id)
        return result.plan_id, result.unit_id


async def delete_evidence(uow: AbstractUnitOfWork, store: EvidenceStore, evidence_id: str) -> None:
    """Remove a file while its result is not confirmed and the period is open (confirmed results keep theirs)."""
    async with uow:
        item = await uow.evidence.get(evidence_id, for_update=True)
        if item is None:
            raise EvidenceNotFound(f"no evidence {evidence_id!r}")
        result = await _result(uow, item.result_id)
        await require_open(uow, result.plan_id, result.period)
        if result.status == CONFIRMED:
            raise WrongState("the result is confirmed: its evidence is kept as the record of that decision")
        await uow.evidence.delete(evidence_id)
        await uow.commit()
    await store.discard(item)

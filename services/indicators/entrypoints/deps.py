"""What every route shares: exact-decimal JSON bodies, the unit of work, If-Match/ETag, paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response, UploadFile
from fastapi.routing import APIRoute

from jixiao.auth import ASSESSOR, OFFICE, UNIT, Caller, Principal, actor_name, require, require_unit, signed_in
from jixiao.errors import FieldProblem, InvalidInput, PayloadTooLarge
from jixiao.etags import IfMatch, set_etag
from jixiao.rules import exactjson
from jixiao.validation import Limit, Offset
from services.indicators.adapters.evidence_store import EvidenceStore
from services.indicators.service.unit_of_work import SqlAlchemyIndicatorsUnitOfWork
from services.indicators.settings import IndicatorsSettings

__all__ = [
    "DecimalRoute",
    "IfMatch",
    "Pages",
    "Settings",
    "Store",
    "UoW",
    "read_limited",
    "set_etag",
    "Caller",
    "Principal",
    "actor_name",
    "require_unit",
    "SIGNED_IN",
    "OFFICE_ONLY",
    "REVIEWERS",
    "UNIT_OR_OFFICE",
]


class _DecimalRequest(Request):
    """A request whose JSON numbers are read as Decimal (FastAPI validates what `json()` returns)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = exactjson.loads(await self.body())
            except ValueError as exc:
                raise InvalidInput(f"the body is not valid JSON: {exc}") from exc
        return self._json


class DecimalRoute(APIRoute):
    """Route class for every router of this service: no binary floats on the way in."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(_DecimalRequest(request.scope, request.receive))

        return route


def get_uow(request: Request) -> SqlAlchemyIndicatorsUnitOfWork:
    return SqlAlchemyIndicatorsUnitOfWork(request.app.state.runtime)


UoW = Annotated[SqlAlchemyIndicatorsUnitOfWork, Depends(get_uow)]


def get_settings(request: Request) -> IndicatorsSettings:
    return request.app.state.runtime.extras["indicators_settings"]


def get_evidence_store(request: Request) -> EvidenceStore:
    return request.app.state.runtime.extras["evidence_store"]


Settings = Annotated[IndicatorsSettings, Depends(get_settings)]
Store = Annotated[EvidenceStore, Depends(get_evidence_store)]


async def read_limited(file: UploadFile, max_bytes: int) -> bytes:
    """The upload's bytes, refused with 413 as soon as they pass `max_bytes` (never read whole first)."""
    chunks, size = [], 0
    while chunk := await file.read(1 << 20):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(
                f"{file.filename or 'the file'} is larger than the limit of {max_bytes} bytes",
                problems=[FieldProblem("file", f"at most {max_bytes} bytes")],
            )
        chunks.append(chunk)
    return b"".join(chunks)


class Paging:
    def __init__(self, limit: Limit = 50, offset: Offset = 0) -> None:
        self.limit = limit
        self.offset = offset


Pages = Annotated[Paging, Depends()]


# Who may do what (JIXIAO_AUTH; with auth off every caller is the local operator). Routers take
# SIGNED_IN (any role reads); changes name their roles; unit officers act only for their units.
SIGNED_IN = [Depends(signed_in)]
OFFICE_ONLY = [Depends(require(OFFICE))]
REVIEWERS = [Depends(require(ASSESSOR, OFFICE))]
UNIT_OR_OFFICE = [Depends(require(UNIT, OFFICE))]

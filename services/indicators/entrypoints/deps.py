"""What every route shares: exact-decimal JSON bodies, the unit of work, If-Match/ETag, paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from fastapi.routing import APIRoute

from jixiao import jsonutil
from jixiao.errors import InvalidInput, PreconditionFailed
from services.indicators.service.unit_of_work import SqlIndicatorsUnitOfWork


class _DecimalRequest(Request):
    """A request whose JSON numbers are read as Decimal (FastAPI validates what `json()` returns)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = jsonutil.loads(await self.body())
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


def get_uow(request: Request) -> SqlIndicatorsUnitOfWork:
    return SqlIndicatorsUnitOfWork(request.app.state.runtime)


UoW = Annotated[SqlIndicatorsUnitOfWork, Depends(get_uow)]


def _if_match(if_match: Annotated[str | None, Header(description='The ETag you read, e.g. "3"')] = None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise PreconditionFailed(f"If-Match {if_match!r} is not an ETag of this service")
    return int(raw)


IfMatch = Annotated[int | None, Depends(_if_match)]


def set_etag(response: Response, revision: int) -> None:
    response.headers["ETag"] = f'"{revision}"'


class Paging:
    def __init__(self, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                 offset: Annotated[int, Query(ge=0)] = 0) -> None:
        self.limit = limit
        self.offset = offset


Pages = Annotated[Paging, Depends()]

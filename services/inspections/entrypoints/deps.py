"""What every REST area of the inspections service shares: its unit of work, the actor, who may change what."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Header, Request, Response, status

from jixiao.auth import (
    INSPECTOR,
    OFFICE,
    UNIT,
    Caller,
    actor_name,
    require,
)
from services.inspections.entrypoints import schemas as s
from services.inspections.service.unit_of_work import SqlAlchemyInspectionsUnitOfWork

# Who may change what (JIXIAO_AUTH; off: everyone is the local operator). Any role reads.
OFFICE_ONLY = [Depends(require(OFFICE))]
INSPECTORS = [Depends(require(INSPECTOR, OFFICE))]
UNITS = [Depends(require(UNIT, OFFICE))]


def get_uow(request: Request) -> SqlAlchemyInspectionsUnitOfWork:
    return SqlAlchemyInspectionsUnitOfWork(request.app.state.runtime)


def get_actor(who: Caller, x_actor: Annotated[str | None, Header(alias="X-Actor")] = None) -> str:
    # the token's user when there is one; else the header (latin-1: names in Chinese come percent-encoded)
    given = unquote(x_actor).strip()[:200] if x_actor and x_actor.strip() else "system"
    return actor_name(who, given) or "system"


Uow = Annotated[SqlAlchemyInspectionsUnitOfWork, Depends(get_uow)]
Actor = Annotated[str, Depends(get_actor)]


def set_created(response: Response, new: bool) -> None:
    response.status_code = status.HTTP_201_CREATED if new else status.HTTP_200_OK


def page_of(items: list, total: int, limit: int, offset: int) -> s.Page:
    return s.Page(items=items, total=total, limit=limit, offset=offset)

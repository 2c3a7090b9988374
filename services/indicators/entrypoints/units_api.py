"""REST for units and their targets (routes only translate)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from jixiao.validation import PathId
from services.indicators.service import handlers as h

from .deps import OFFICE_ONLY, SIGNED_IN, DecimalRoute, IfMatch, Pages, UoW, set_etag
from .schemas import Counts, Page, TargetRead, TargetsSet, UnitRead, UnitsUpsert, UnitUpdate

router = APIRouter(prefix="/v1/plans/{plan_id}", tags=["units"], route_class=DecimalRoute, dependencies=SIGNED_IN)


@router.put("/units", response_model=Counts, dependencies=OFFICE_ONLY)
async def upsert_units(plan_id: PathId, body: UnitsUpsert, uow: UoW) -> Counts:
    """Create or update many units at once (UnitUpserted for each change once the plan is published)."""
    records = [u.model_dump() for u in body.units]
    return Counts(**await h.upsert_units(uow, plan_id, records))


@router.get("/units", response_model=Page[UnitRead])
async def list_units(
    plan_id: PathId,
    uow: UoW,
    pages: Pages,
    kind: str | None = None,
    parent: str | None = None,
    group: str | None = None,
) -> Page:
    items, total = await h.list_units(
        uow, plan_id, kind=kind, parent=parent, group=group, limit=pages.limit, offset=pages.offset
    )
    return Page(
        items=[UnitRead.model_validate(u, from_attributes=True) for u in items],
        total=total,
        limit=pages.limit,
        offset=pages.offset,
    )


@router.get("/units/{unit_id}", response_model=UnitRead)
async def get_unit(plan_id: PathId, unit_id: PathId, uow: UoW, response: Response) -> UnitRead:
    unit = await h.get_unit(uow, plan_id, unit_id)
    set_etag(response, unit.version)
    return UnitRead.model_validate(unit, from_attributes=True)


@router.patch("/units/{unit_id}", response_model=UnitRead, dependencies=OFFICE_ONLY)
async def update_unit(
    plan_id: PathId, unit_id: PathId, body: UnitUpdate, uow: UoW, if_match: IfMatch, response: Response
) -> UnitRead:
    """Change one unit (If-Match: its ETag)."""
    unit = await h.update_unit(uow, plan_id, unit_id, body.model_dump(exclude_unset=True), if_match)
    set_etag(response, unit.version)
    return UnitRead.model_validate(unit, from_attributes=True)


@router.put("/targets", response_model=Counts, dependencies=OFFICE_ONLY)
async def set_targets(plan_id: PathId, body: TargetsSet, uow: UoW) -> Counts:
    """Set units' own targets for leaves (TargetSet for each change once the plan is published)."""
    return Counts(**await h.set_targets(uow, plan_id, [t.model_dump() for t in body.targets]))


@router.get("/targets", response_model=Page[TargetRead])
async def list_targets(
    plan_id: PathId, uow: UoW, pages: Pages, unit: str | None = None, indicator: str | None = None
) -> Page:
    items, total = await h.list_targets(
        uow, plan_id, unit=unit, indicator=indicator, limit=pages.limit, offset=pages.offset
    )
    return Page(
        items=[TargetRead.model_validate(t, from_attributes=True) for t in items],
        total=total,
        limit=pages.limit,
        offset=pages.offset,
    )

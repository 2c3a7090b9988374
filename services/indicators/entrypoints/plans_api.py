"""REST for plans, their versions and the indicator tree (routes only translate)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from jixiao.validation import PathId, YearQuery
from services.indicators.domain import validation
from services.indicators.domain.model import Plan
from services.indicators.service import handlers as h

from .deps import OFFICE_ONLY, SIGNED_IN, DecimalRoute, IfMatch, Pages, UoW, set_etag
from .schemas import (
    IndicatorWrite,
    Page,
    PlanCreate,
    PlanRead,
    PlanSummary,
    PlanUpdate,
    PlanVersionCreate,
    PlanVersionRead,
    Problem,
)

router = APIRouter(prefix="/v1/plans", tags=["plans"], route_class=DecimalRoute, dependencies=SIGNED_IN)


def plan_read(plan: Plan, response: Response | None = None) -> PlanRead:
    if response is not None:
        set_etag(response, plan.revision)
    problems = [] if plan.published else validation.plan_problems(plan.body, plan.indicators)
    return PlanRead(
        id=plan.id,
        year=plan.year,
        name=plan.name,
        status=plan.status,
        version=plan.version,
        revision=plan.revision,
        published_at=plan.published_at,
        plan=plan.body,
        indicators=plan.indicators,
        problems=[Problem(field=p.path, message=p.message) for p in problems],
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlanRead, dependencies=OFFICE_ONLY)
async def create_plan(body: PlanCreate, uow: UoW, response: Response) -> PlanRead:
    """Create a draft plan (validated in full on publication; `problems` shows what blocks it)."""
    return plan_read(await h.create_plan(uow, body.plan, body.indicators), response)


@router.get("", response_model=Page[PlanSummary])
async def list_plans(uow: UoW, pages: Pages, year: YearQuery = None, status: str | None = None) -> Page:
    items, total = await h.list_plans(uow, year=year, status=status, limit=pages.limit, offset=pages.offset)
    return Page(
        items=[PlanSummary.model_validate(p, from_attributes=True) for p in items],
        total=total,
        limit=pages.limit,
        offset=pages.offset,
    )


@router.get("/{plan_id}", response_model=PlanRead)
async def get_plan(plan_id: PathId, uow: UoW, response: Response) -> PlanRead:
    return plan_read(await h.get_plan(uow, plan_id), response)


@router.patch("/{plan_id}", response_model=PlanRead, dependencies=OFFICE_ONLY)
async def update_plan(plan_id: PathId, body: PlanUpdate, uow: UoW, if_match: IfMatch, response: Response) -> PlanRead:
    """Change a draft (If-Match required)."""
    return plan_read(await h.update_draft(uow, plan_id, body.plan, body.indicators, if_match), response)


@router.put("/{plan_id}/indicators/{indicator_id}", response_model=PlanRead, dependencies=OFFICE_ONLY)
async def put_indicator(
    plan_id: PathId, indicator_id: str, body: IndicatorWrite, uow: UoW, if_match: IfMatch, response: Response
) -> PlanRead:
    """Add or replace one node of a draft's indicator tree (If-Match: the plan's ETag)."""
    node = {**body.node(), "id": indicator_id}
    return plan_read(await h.put_indicator(uow, plan_id, node, if_match), response)


@router.get("/{plan_id}/indicators", response_model=list[dict])
async def list_indicators(plan_id: PathId, uow: UoW, kind: str | None = None, leaves_only: bool = False) -> list[dict]:
    """The indicator tree in order; `kind` keeps nodes that apply to that unit kind."""
    return h.indicator_nodes(await h.get_plan(uow, plan_id), kind=kind, leaves_only=leaves_only)


@router.post("/{plan_id}/publish", response_model=PlanRead, dependencies=OFFICE_ONLY)
async def publish_plan(plan_id: PathId, uow: UoW, if_match: IfMatch, response: Response) -> PlanRead:
    """Validate with the scoring rules and publish version 1 (PlanPublished)."""
    return plan_read(await h.publish_plan(uow, plan_id, if_match), response)


@router.post(
    "/{plan_id}/versions", response_model=PlanRead, status_code=status.HTTP_201_CREATED, dependencies=OFFICE_ONLY
)
async def publish_version(
    plan_id: PathId, body: PlanVersionCreate, uow: UoW, if_match: IfMatch, response: Response
) -> PlanRead:
    """A published plan changes only by a new version with a reason (PlanPublished)."""
    plan = await h.publish_version(uow, plan_id, body.plan, body.indicators, body.reason, if_match)
    return plan_read(plan, response)


@router.get("/{plan_id}/versions", response_model=list[PlanVersionRead])
async def list_versions(plan_id: PathId, uow: UoW) -> list[PlanVersionRead]:
    return [PlanVersionRead.model_validate(v, from_attributes=True) for v in await h.list_versions(uow, plan_id)]

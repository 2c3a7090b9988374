"""REST for results and their review, and for closing periods (routes only translate)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from jixiao.validation import PathId, PeriodPath, PeriodQuery
from services.indicators.domain import rules
from services.indicators.domain.errors import FieldProblem, InvalidInput
from services.indicators.domain.model import Result
from services.indicators.service import handlers as h

from .deps import (
    OFFICE_ONLY,
    REVIEWERS,
    SIGNED_IN,
    UNIT_OR_OFFICE,
    Caller,
    DecimalRoute,
    IfMatch,
    Pages,
    UoW,
    actor_name,
    require_unit,
    set_etag,
)
from .schemas import (
    Confirm,
    ConfirmMany,
    Correct,
    Page,
    PeriodClose,
    PeriodRead,
    ResultCreate,
    ResultEntryRead,
    ResultRead,
    ResultUpdate,
    Return,
    Submit,
)

router = APIRouter(tags=["results"], route_class=DecimalRoute, dependencies=SIGNED_IN)


def result_read(result: Result, response: Response | None = None) -> ResultRead:
    if response is not None:
        set_etag(response, result.revision)
    return ResultRead.model_validate({**vars(result), "pending": result.pending})


def _value(body) -> dict:
    value = rules.value_of(body.values())
    if value is None:
        raise InvalidInput(
            "a value is required", problems=[FieldProblem("actual|rating|done|points|budget+spent", "give exactly one")]
        )
    return value


@router.post(
    "/v1/plans/{plan_id}/results",
    status_code=status.HTTP_201_CREATED,
    response_model=ResultRead,
    dependencies=UNIT_OR_OFFICE,
)
async def enter_result(plan_id: PathId, body: ResultCreate, uow: UoW, who: Caller, response: Response) -> ResultRead:
    """The unit enters its self-assessed value (validated by the scoring rules). Role: unit (its own), office."""
    require_unit(who, plan_id, body.unit)
    result = await h.enter_result(
        uow,
        plan_id,
        body.unit,
        body.indicator,
        body.part,
        body.period,
        _value(body),
        body.comment,
        actor_name(who, body.actor),
    )
    return result_read(result, response)


@router.get("/v1/plans/{plan_id}/results", response_model=Page[ResultRead])
async def list_results(
    plan_id: PathId,
    uow: UoW,
    pages: Pages,
    unit: str | None = None,
    indicator: str | None = None,
    period: PeriodQuery = None,
    status: str | None = None,
) -> Page:
    items, total = await h.list_results(
        uow,
        plan_id,
        unit=unit,
        indicator=indicator,
        period=period,
        status=status,
        limit=pages.limit,
        offset=pages.offset,
    )
    return Page(items=[result_read(r) for r in items], total=total, limit=pages.limit, offset=pages.offset)


@router.get("/v1/results/{result_id}", response_model=ResultRead)
async def get_result(result_id: str, uow: UoW, response: Response) -> ResultRead:
    return result_read(await h.get_result(uow, result_id), response)


@router.get("/v1/results/{result_id}/history", response_model=list[ResultEntryRead])
async def result_history(result_id: str, uow: UoW) -> list[ResultEntryRead]:
    return [ResultEntryRead.model_validate(e, from_attributes=True) for e in await h.result_history(uow, result_id)]


@router.put("/v1/results/{result_id}", response_model=ResultRead, dependencies=UNIT_OR_OFFICE)
async def update_result(
    result_id: str, body: ResultUpdate, uow: UoW, who: Caller, if_match: IfMatch, response: Response
) -> ResultRead:
    """The unit changes its value (If-Match required). Role: unit (its own), office."""
    found = await h.get_result(uow, result_id)
    require_unit(who, found.plan_id, found.unit_id)
    result = await h.update_result(uow, result_id, _value(body), body.comment, if_match, actor_name(who, body.actor))
    return result_read(result, response)


@router.post("/v1/results/{result_id}/submit", response_model=ResultRead, dependencies=UNIT_OR_OFFICE)
async def submit_result(
    result_id: str, body: Submit, uow: UoW, who: Caller, if_match: IfMatch, response: Response
) -> ResultRead:
    """The unit submits its value for review. Role: unit (its own), office."""
    found = await h.get_result(uow, result_id)
    require_unit(who, found.plan_id, found.unit_id)
    return result_read(await h.submit_result(uow, result_id, if_match, actor_name(who, body.actor)), response)


@router.post("/v1/results/{result_id}/confirm", response_model=ResultRead, dependencies=REVIEWERS)
async def confirm_result(
    result_id: str, body: Confirm, uow: UoW, who: Caller, if_match: IfMatch, response: Response
) -> ResultRead:
    """An assessor confirms the value as reported (IndicatorResultConfirmed, next version). Role: assessor, office."""
    return result_read(await h.confirm_result(uow, result_id, if_match, actor_name(who, body.assessor)), response)


@router.post(
    "/v1/plans/{plan_id}/results/confirm",
    response_model=list[ResultRead],
    dependencies=REVIEWERS,
    responses={409: {"description": "an item cannot be confirmed (each listed as items[i]); none was"}},
)
async def confirm_many(plan_id: PathId, body: ConfirmMany, uow: UoW, who: Caller) -> list[ResultRead]:
    """An assessor confirms up to 1000 results at once, each at the revision reviewed: all or none."""
    results = await h.confirm_many(
        uow, plan_id, [(i.id, i.revision) for i in body.items], actor_name(who, body.assessor)
    )
    return [result_read(r) for r in results]


@router.post("/v1/results/{result_id}/correct", response_model=ResultRead, dependencies=REVIEWERS)
async def correct_result(
    result_id: str, body: Correct, uow: UoW, who: Caller, if_match: IfMatch, response: Response
) -> ResultRead:
    """An assessor corrects the value with a reason (IndicatorResultConfirmed, next version)."""
    result = await h.correct_result(uow, result_id, _value(body), body.reason, if_match, actor_name(who, body.assessor))
    return result_read(result, response)


@router.post("/v1/results/{result_id}/return", response_model=ResultRead, dependencies=REVIEWERS)
async def return_result(
    result_id: str, body: Return, uow: UoW, who: Caller, if_match: IfMatch, response: Response
) -> ResultRead:
    """An assessor returns the result to the unit with a reason."""
    result = await h.return_result(uow, result_id, body.reason, if_match, actor_name(who, body.assessor))
    return result_read(result, response)


@router.post("/v1/plans/{plan_id}/periods/{period}/close", response_model=PeriodRead, dependencies=OFFICE_ONLY)
async def close_period(plan_id: PathId, period: PeriodPath, body: PeriodClose, uow: UoW, who: Caller) -> PeriodRead:
    """The office closes a period (PeriodClosed)."""
    closed = await h.close_period(uow, plan_id, period, actor_name(who, body.closed_by))
    return PeriodRead.model_validate(closed, from_attributes=True)


@router.get("/v1/plans/{plan_id}/periods", response_model=list[PeriodRead])
async def list_periods(plan_id: PathId, uow: UoW) -> list[PeriodRead]:
    return [PeriodRead.model_validate(p, from_attributes=True) for p in await h.list_periods(uow, plan_id)]

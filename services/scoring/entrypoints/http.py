"""REST: close, re-score, results (jixiao.results/v1), unit scores with explanation, history, rankings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response, StreamingResponse

from jixiao.auth import OFFICE, Principal, actor_name, require, signed_in
from jixiao.rules.exactjson import dumps
from jixiao.validation import PathId, PeriodPath, VersionQuery
from services.scoring.entrypoints.progress import NDJSON, progress_lines
from services.scoring.entrypoints.schemas import CloseRead, ConsistencyRead, PeriodCommand, RescoreRead
from services.scoring.service import closing, queries
from services.scoring.service.common import Dependencies
from services.scoring.service.rescore import rescore as rescore_plan

router = APIRouter(prefix="/v1/plans/{plan_id}", tags=["scoring"], dependencies=[Depends(signed_in)])
JSON = "application/json"


async def get_dependencies(request: Request) -> Dependencies:
    # async: FastAPI runs a plain `def` dependency on a worker thread, a hop per request
    return request.app.state.runtime.extras["scoring"]


Deps = Annotated[Dependencies, Depends(get_dependencies)]
Command = Annotated[PeriodCommand | None, Body()]
Office = Annotated[Principal, Depends(require(OFFICE))]


def _json(value: Any, headers: dict[str, str] | None = None) -> Response:
    # the domain's writer: Decimals go out as exact JSON numbers, never through float
    return Response(dumps(value, indent=None), media_type=JSON, headers=headers)


@router.post("/periods/{period}/close", response_model=None, responses={200: {"model": CloseRead}})
async def close_period(
    plan_id: PathId, period: PeriodPath, deps: Deps, who: Office, command: Command = None
) -> Response:
    """Reconcile with the sources, grade and rank, store a graded snapshot, publish the grades (role: office)."""
    command = command or PeriodCommand()
    report = await closing.close_period(
        deps, plan_id, period, actor_name(who, command.actor), objections=command.objections
    )
    return _json(report.to_dict())


@router.post(
    "/periods/{period}/rescore", response_model=None, responses={200: {"model": RescoreRead, "content": {NDJSON: {}}}}
)
async def rescore(
    plan_id: PathId, period: PeriodPath, deps: Deps, who: Office, request: Request, command: Command = None
) -> Response:
    """Re-score every unit from the sources' snapshots; the diff against the latest graded snapshot (role: office).

    With `Accept: application/x-ndjson` the answer streams one line per step as it happens
    (`{"stage", "done", "total"}`), then `{"report": ...}` or `{"error": {"status", "detail"}}`."""
    command = command or PeriodCommand(actor="rescore")
    actor, named = actor_name(who, command.actor), command.objections
    if NDJSON in request.headers.get("accept", ""):
        return StreamingResponse(
            progress_lines(lambda progress: rescore_plan(deps, plan_id, period, actor, progress, named)),
            media_type=NDJSON,
        )
    report = await rescore_plan(deps, plan_id, period, actor, objections=named)
    return _json(report.to_dict())


@router.get("/periods/{period}/results", response_model=None)
async def results(plan_id: PathId, period: PeriodPath, deps: Deps, version: VersionQuery = None) -> Response:
    """jixiao.results/v1 of the latest graded snapshot (or `version`); provisional scores if none."""
    text, snapshot_version = await queries.results(deps, plan_id, period, version)
    return Response(text, media_type=JSON, headers={"x-jixiao-snapshot-version": str(snapshot_version)})


@router.get("/periods/{period}/units/{unit_id}", response_model=None)
async def unit_score(
    plan_id: PathId,
    period: PeriodPath,
    unit_id: PathId,
    deps: Deps,
    version: VersionQuery = None,
    provisional: bool = False,
) -> Response:
    """One unit's score with its explanation (which inputs gave which points)."""
    return Response(
        await queries.unit_score_json(deps, plan_id, period, unit_id, version, provisional), media_type=JSON
    )


@router.get("/periods/{period}/units/{unit_id}/history", response_model=None)
async def unit_history(plan_id: PathId, period: PeriodPath, unit_id: PathId, deps: Deps) -> Response:
    """Every version of the unit's score, provisional and graded, with the events that made it."""
    return _json(
        {
            "plan": plan_id,
            "period": period,
            "unit": unit_id,
            "history": await queries.history(deps, plan_id, period, unit_id),
        }
    )


@router.get("/periods/{period}/rankings", response_model=None)
async def rankings(
    plan_id: PathId, period: PeriodPath, deps: Deps, group: str | None = None, version: VersionQuery = None
) -> Response:
    """Units ranked within their groups (one group with `?group=`)."""
    return _json(await queries.rankings(deps, plan_id, period, group, version))


@router.get("/periods/{period}/snapshots", response_model=None)
async def snapshots(plan_id: PathId, period: PeriodPath, deps: Deps) -> Response:
    """Every graded snapshot of the period, with its actor, time and diff."""
    return _json({"plan": plan_id, "period": period, "snapshots": await queries.snapshots(deps, plan_id, period)})


@router.get("/consistency", response_model=ConsistencyRead)
async def consistency(plan_id: PathId, deps: Deps) -> dict:
    """Per source, the digest of the facts scoring holds and the events applied; `jixiao results --wait`
    compares them with each source's GetPosition."""
    return await queries.consistency(deps, plan_id)

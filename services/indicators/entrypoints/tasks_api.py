"""REST for task decomposition (任务分解): tasks, quarterly progress, overdue, summary (routes only translate)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from jixiao.auth import ASSESSOR, LEADER, OFFICE
from jixiao.errors import Forbidden
from jixiao.validation import PathId
from services.indicators.domain import tasks as task_rules
from services.indicators.domain.model import Task
from services.indicators.service import handlers as h

from .deps import (
    OFFICE_ONLY,
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
from .schemas import Page
from .task_schemas import LateReportRead, LeafTaskSummaryRead, ProgressCreate, TaskCreate, TaskRead, TaskUpdate

router = APIRouter(prefix="/v1/plans/{plan_id}", tags=["tasks"], route_class=DecimalRoute, dependencies=SIGNED_IN)
AsOf = Annotated[dt.date | None, Query(description="the day `overdue` is judged on (default: today)")]


def task_read(task: Task, today: dt.date | None = None, response: Response | None = None) -> TaskRead:
    if response is not None:
        set_etag(response, task.revision)
    overdue = task_rules.is_overdue(task, today or dt.date.today())
    progress = [{**e, "slot": e.get("slot") or e.get("quarter")} for e in task.progress]  # quarters are slots too
    return TaskRead.model_validate(
        {**vars(task), "progress": progress, "done": task.done_quantity(), "overdue": overdue}
    )


@router.post("/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskRead, dependencies=OFFICE_ONLY)
async def create_task(plan_id: PathId, body: TaskCreate, uow: UoW, response: Response) -> TaskRead:
    """Assign part of a leaf's target to a unit (section); the plan must be published."""
    return task_read(await h.create_task(uow, plan_id, body.model_dump()), response=response)


@router.get("/tasks", response_model=Page[TaskRead])
async def list_tasks(
    plan_id: PathId,
    uow: UoW,
    pages: Pages,
    indicator: str | None = None,
    unit: str | None = None,
    overdue: bool | None = None,
    as_of: AsOf = None,
) -> Page:
    """The plan's tasks in creation order; `overdue=true` lists those past their deadline and short."""
    today = as_of or dt.date.today()
    items, total = await h.list_tasks(
        uow,
        plan_id,
        indicator=indicator,
        unit=unit,
        overdue=overdue,
        limit=pages.limit,
        offset=pages.offset,
        today=today,
    )
    return Page(items=[task_read(t, today) for t in items], total=total, limit=pages.limit, offset=pages.offset)


@router.get("/tasks/late-reports", response_model=Page[LateReportRead])
async def late_reports(
    plan_id: PathId, uow: UoW, pages: Pages, who: Caller, unit: str | None = None, as_of: AsOf = None
) -> Page:
    """Every late or missing progress report of tasks with a reporting cadence, as of a day: per
    unit, task and slot, with the due day and days late. Role: office, assessor, leader."""
    if not who.has(OFFICE, ASSESSOR, LEADER):
        raise Forbidden(f"{who.user} may not read every unit's late task reports")
    found = await h.late_reports(uow, plan_id, unit=unit, today=as_of or dt.date.today())
    items = [
        LateReportRead(
            unit_id=t.unit_id,
            task_id=t.id,
            indicator_id=t.indicator_id,
            title=t.title,
            cadence=t.cadence,
            slot=late.slot,
            due=late.due,
            reported_at=late.reported_at,
            status=late.status,
            days_late=late.days_late,
        )
        for t, late in found
    ]
    page = items[pages.offset : pages.offset + pages.limit]
    return Page(items=page, total=len(items), limit=pages.limit, offset=pages.offset)


@router.get("/tasks/{task_id}", response_model=TaskRead)
async def get_task(plan_id: PathId, task_id: str, uow: UoW, response: Response, as_of: AsOf = None) -> TaskRead:
    return task_read(await h.get_task(uow, plan_id, task_id), as_of, response)


@router.put("/tasks/{task_id}", response_model=TaskRead, dependencies=OFFICE_ONLY)
async def update_task(
    plan_id: PathId, task_id: str, body: TaskUpdate, uow: UoW, if_match: IfMatch, response: Response
) -> TaskRead:
    """Replace the task (If-Match required); its progress stays."""
    return task_read(await h.update_task(uow, plan_id, task_id, body.model_dump(), if_match), response=response)


@router.delete(
    "/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, dependencies=OFFICE_ONLY
)
async def delete_task(plan_id: PathId, task_id: str, uow: UoW, if_match: IfMatch) -> Response:
    """Remove the task and its progress (If-Match required)."""
    await h.delete_task(uow, plan_id, task_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/tasks/{task_id}/progress", response_model=TaskRead, dependencies=UNIT_OR_OFFICE)
async def record_progress(
    plan_id: PathId, task_id: str, body: ProgressCreate, uow: UoW, who: Caller, if_match: IfMatch, response: Response
) -> TaskRead:
    """Record a quarter's cumulative progress, or a reporting slot's for a task with a cadence (If-Match
    required); re-entering a slot replaces it. Role: the task's unit, office."""
    require_unit(who, plan_id, (await h.get_task(uow, plan_id, task_id)).unit_id)
    slot = body.slot if body.slot is not None else body.quarter
    task = await h.record_progress(
        uow, plan_id, task_id, slot, body.done, body.note, actor_name(who, body.recorded_by), if_match
    )
    return task_read(task, response=response)


@router.get("/indicators/{indicator_id}/tasks/summary", response_model=LeafTaskSummaryRead)
async def task_summary(plan_id: PathId, indicator_id: str, uow: UoW, as_of: AsOf = None) -> LeafTaskSummaryRead:
    """A leaf's tasks against its target (and each unit's against its own): planned, done, overdue."""
    today = as_of or dt.date.today()
    summary = await h.task_summary(uow, plan_id, indicator_id, today)
    units = [{"unit_id": unit_id, **asdict(s)} for unit_id, s in summary.units]
    return LeafTaskSummaryRead.model_validate(
        {"indicator_id": indicator_id, "as_of": today, **asdict(summary.whole), "units": units}
    )

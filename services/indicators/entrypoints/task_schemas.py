"""API schemas of task decomposition (任务分解): tasks, their quarterly progress and summaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jixiao.validation import Schema

# --- tasks (任务分解) -------------------------------------------------------------------------------

TASK_EXAMPLE = {
    "indicator": "I1.1",
    "unit": "a01",
    "title": "村道硬化",
    "quantity": 12,
    "unit_of_measure": "km",
    "deadline": "2026-09-30",
    "lead": [{"staff_id": "s-001", "name": "黄小君"}, "廖国兴"],
    "deputy": "廖国兴",
    "head": {"staff_id": "s-003"},
    "handlers": ["承办人甲", "承办人乙"],
    "measures": "分段施工,每月督查",
    "expected_effects": "村道通畅率达到100%",
    "cadence": "monthly",
}

PersonIn = str | dict[str, Any]
RoleIn = PersonIn | list[PersonIn] | None
ROLE_HELP = (
    "a name, or a list of names and/or {staff_id, name} objects (staff_id: the plan's staff register; "
    "name: for display, filled from the register when omitted)"
)


class Person(BaseModel):
    """A person of the responsibility chain: the staff id (null for a plan without a register) and name."""

    staff_id: str | None = None
    name: str | None = None


class TaskWrite(Schema):
    """A piece of a leaf's target for a unit (section): quantity, deadline and responsible people."""

    model_config = ConfigDict(json_schema_extra={"examples": [TASK_EXAMPLE]})
    indicator: str = Field(description="a leaf indicator of the plan")
    unit: str = Field(description="the unit (section) that carries the task out")
    title: str
    quantity: Decimal = Field(description="> 0, exact (a JSON number or a string)")
    unit_of_measure: str = Field(description="km, 个, %, ...")
    deadline: dt.date = Field(description="within the plan's year or up to the end of March after it")
    lead: RoleIn = Field(None, description=f"主管领导: {ROLE_HELP}")
    deputy: RoleIn = Field(None, description=f"分管领导: {ROLE_HELP}")
    head: RoleIn = Field(None, description=f"科室负责人: {ROLE_HELP}")
    handlers: RoleIn = Field(None, description=f"承办人: {ROLE_HELP}")
    measures: str | None = Field(None, description="工作措施")
    expected_effects: str | None = Field(None, description="预期效果")
    cadence: str | None = Field(
        None, description="reporting cadence: monthly, half_monthly or quarterly (null: quarterly progress, none due)"
    )
    reporting_from: dt.date | None = Field(
        None, description="the first day reports are due for (default: the plan's first day)"
    )


class TaskCreate(TaskWrite):
    """A new task of a published plan's leaf."""


class TaskUpdate(TaskWrite):
    """The whole task as it should be (PUT replaces it; its progress stays)."""


class ProgressCreate(Schema):
    """The cumulative quantity done by the end of a quarter, or of a reporting slot for a task with a
    cadence (re-entering a slot replaces it)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"quarter": "Q2", "done": "7.5", "note": "完成7.5公里路面硬化", "recorded_by": "承办人甲"}]
        }
    )
    quarter: str | None = Field(None, description="Q1, Q2, Q3 or Q4 (a task without a cadence)")
    slot: str | None = Field(
        None, description="the reporting slot of a task with a cadence: 2026-03, 2026-03-H1/H2 or Q1"
    )
    done: Decimal = Field(description=">= 0 and not below an earlier quarter's entry")
    note: str | None = None
    recorded_by: str


class ProgressEntryRead(BaseModel):
    quarter: str | None = None
    slot: str | None = None
    done: Decimal
    note: str | None = None
    recorded_by: str | None = None
    recorded_at: dt.datetime | None = None
    reported_at: dt.datetime | None = Field(None, description="when the slot was first reported")


class LateReportRead(BaseModel):
    """A reporting slot of a task whose report came late (`reported_at`) or is missing."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "a01",
                    "task_id": "019abc12-3456-7def-8abc-def012345678",
                    "indicator_id": "I1.1",
                    "title": "村道硬化",
                    "cadence": "monthly",
                    "slot": "2026-03",
                    "due": "2026-03-31",
                    "reported_at": None,
                    "status": "missing",
                    "days_late": 5,
                }
            ]
        }
    )
    unit_id: str
    task_id: str
    indicator_id: str
    title: str
    cadence: str
    slot: str
    due: dt.date
    reported_at: dt.date | None
    status: str = Field(description="late or missing")
    days_late: int = Field(description="days after the due day: until the report came, or until as_of")


class TaskRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "019abc12-3456-7def-8abc-def012345678",
                    "plan_id": "bailian-2026",
                    "indicator_id": "I1.1",
                    "unit_id": "a01",
                    "title": "村道硬化",
                    "quantity": "12",
                    "unit_of_measure": "km",
                    "deadline": "2026-09-30",
                    "lead": [{"staff_id": "s-001", "name": "黄小君"}, {"staff_id": None, "name": "廖国兴"}],
                    "deputy": [{"staff_id": None, "name": "廖国兴"}],
                    "head": [{"staff_id": "s-003", "name": "杨金文"}],
                    "handlers": [{"staff_id": None, "name": "承办人甲"}],
                    "measures": "分段施工,每月督查",
                    "expected_effects": "村道通畅率达到100%",
                    "cadence": None,
                    "reporting_from": None,
                    "progress": [
                        {
                            "quarter": "Q2",
                            "done": "7.5",
                            "note": None,
                            "recorded_by": "承办人甲",
                            "recorded_at": "2026-06-30T08:00:00Z",
                        }
                    ],
                    "revision": 2,
                    "done": "7.5",
                    "overdue": False,
                }
            ]
        }
    )
    id: str
    plan_id: str
    indicator_id: str
    unit_id: str
    title: str
    quantity: Decimal
    unit_of_measure: str
    deadline: dt.date
    lead: list[Person]
    deputy: list[Person]
    head: list[Person]
    handlers: list[Person]
    measures: str | None
    expected_effects: str | None
    cadence: str | None
    reporting_from: dt.date | None
    progress: list[ProgressEntryRead]
    revision: int
    done: Decimal = Field(description="the latest cumulative quantity reported")
    overdue: bool = Field(description="past the deadline and short of the quantity")


class MeasureTotalRead(BaseModel):
    unit_of_measure: str
    tasks: int
    quantity: Decimal
    done: Decimal


class TaskSummaryRead(BaseModel):
    tasks: int
    overdue: int
    totals: list[MeasureTotalRead] = Field(description="planned and done per unit of measure")
    target: Decimal | None
    measure: str | None = Field(description="the unit of measure compared with the target")
    planned: Decimal | None = Field(description="the tasks' quantity in `measure` (null: not comparable)")
    done: Decimal | None
    unassigned: Decimal | None = Field(description="target - planned (negative: the tasks exceed the target)")
    note: str | None


class UnitTaskSummaryRead(TaskSummaryRead):
    unit_id: str


class LeafTaskSummaryRead(TaskSummaryRead):
    """A leaf's tasks against its target, then per unit against the unit's own target (or the leaf's)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "indicator_id": "I1.1",
                    "as_of": "2026-11-25",
                    "tasks": 2,
                    "overdue": 1,
                    "totals": [{"unit_of_measure": "km", "tasks": 2, "quantity": "20", "done": "15"}],
                    "target": "10",
                    "measure": "km",
                    "planned": "20",
                    "done": "15",
                    "unassigned": "-10",
                    "note": None,
                    "units": [
                        {
                            "unit_id": "a01",
                            "tasks": 2,
                            "overdue": 1,
                            "totals": [{"unit_of_measure": "km", "tasks": 2, "quantity": "20", "done": "15"}],
                            "target": "10",
                            "measure": "km",
                            "planned": "20",
                            "done": "15",
                            "unassigned": "-10",
                            "note": None,
                        }
                    ],
                }
            ]
        }
    )
    indicator_id: str
    as_of: dt.date
    units: list[UnitTaskSummaryRead]

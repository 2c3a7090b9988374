"""API schemas of task decomposition (任务分解): tasks, their quarterly progress and summaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
    "lead": "黄小君",
    "deputy": "廖国兴",
    "head": "杨金文",
    "handlers": ["承办人甲", "承办人乙"],
}


class TaskWrite(Schema):
    """A piece of a leaf's target for a unit (section): quantity, deadline and responsible people."""

    model_config = ConfigDict(json_schema_extra={"examples": [TASK_EXAMPLE]})
    indicator: str = Field(description="a leaf indicator of the plan")
    unit: str = Field(description="the unit (section) that carries the task out")
    title: str
    quantity: Decimal = Field(description="> 0, exact (a JSON number or a string)")
    unit_of_measure: str = Field(description="km, 个, %, ...")
    deadline: dt.date = Field(description="within the plan's year or up to the end of March after it")
    lead: str | None = Field(None, description="主管领导")
    deputy: str | None = Field(None, description="分管领导")
    head: str | None = Field(None, description="科室负责人")
    handlers: list[str] = Field(default_factory=list, description="承办人")


class TaskCreate(TaskWrite):
    """A new task of a published plan's leaf."""


class TaskUpdate(TaskWrite):
    """The whole task as it should be (PUT replaces it; its progress stays)."""


class ProgressCreate(Schema):
    """The cumulative quantity done by the end of a quarter (re-entering a quarter replaces it)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"quarter": "Q2", "done": "7.5", "note": "完成7.5公里路面硬化", "recorded_by": "承办人甲"}]
        }
    )
    quarter: str = Field(description="Q1, Q2, Q3 or Q4")
    done: Decimal = Field(description=">= 0 and not below an earlier quarter's entry")
    note: str | None = None
    recorded_by: str


class ProgressEntryRead(BaseModel):
    quarter: str
    done: Decimal
    note: str | None = None
    recorded_by: str | None = None
    recorded_at: dt.datetime | None = None


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
                    "lead": "黄小君",
                    "deputy": "廖国兴",
                    "head": "杨金文",
                    "handlers": ["承办人甲"],
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
    lead: str | None
    deputy: str | None
    head: str | None
    handlers: list[str]
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

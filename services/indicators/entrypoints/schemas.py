"""API schemas (`<Entity>Create/Update/Read/Page`); decimals are read exactly and written as strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from jixiao.validation import PeriodField, Schema
from services.indicators.domain.model import VALUE_FIELDS

T = TypeVar("T")

PLAN_EXAMPLE = {
    "id": "bailian-2026",
    "name": "白莲镇2026年度政府绩效管理实施方案",
    "year": 2026,
    "issuing_body": "白莲镇人民政府",
    "components": [
        {"key": "indicators", "type": "indicators", "weight": 0.8},
        {"key": "survey", "type": "survey", "weight": 0.2},
        {"key": "inspection", "type": "penalty", "kinds": ["inspection"], "cap": 3},
    ],
    "grade_bands": [
        {"grade": "excellent", "label": "优", "min": 90},
        {"grade": "good", "label": "良", "min": 85},
        {"grade": "fair", "label": "一般", "min": 75},
        {"grade": "poor", "label": "差", "min": None},
    ],
    "awards": {"eligible_grades": ["excellent", "good"]},
    "veto": {"categories": ["family_planning", "work_safety"], "grade": None},
    "survey": {
        "rounds": [{"id": "mid", "weight": 0.5, "period": "H1"}, {"id": "final", "weight": 0.5, "period": "Y"}],
        "strata": {"npc_deputy": 0.1, "business": 0.2, "urban_resident": 0.3, "rural_resident": 0.4},
        "answer_scores": {"satisfied": 100, "basically_satisfied": 80, "dissatisfied": 0},
    },
    "calendar": {
        "deployment": "2025-09-01",
        "plan": "2025-10-01",
        "evaluation": "2026-10-15",
        "self_report_deadline": "2027-01-10",
        "summary": "2027-03-01",
        "checkpoints": {
            "Q1": "2026-03-31",
            "Q2": "2026-06-30",
            "H1": "2026-06-30",
            "Q3": "2026-09-30",
            "Q4": "2026-12-31",
        },
    },
}
INDICATORS_EXAMPLE = [
    {"id": "I1", "name": "可持续发展", "parent": None},
    {
        "id": "I1.1",
        "name": "村道整治",
        "parent": "I1",
        "max_points": 6,
        "target": 10,
        "method": {"type": "ratio"},
        "applies_to": ["village"],
        "responsible": {"unit": "a01", "lead": "黄小君", "head": "杨金文"},
    },
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Counts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# --- plans --------------------------------------------------------------------------------------


class PlanCreate(Schema):
    plan: dict[str, Any] = Field(
        description="The bundle's plan object (plus issuing_body, calendar)", examples=[PLAN_EXAMPLE]
    )
    indicators: list[dict[str, Any]] = Field(default_factory=list, examples=[INDICATORS_EXAMPLE])


class PlanUpdate(Schema):
    plan: dict[str, Any] | None = None
    indicators: list[dict[str, Any]] | None = None


class PlanVersionCreate(Schema):
    plan: dict[str, Any] = Field(examples=[PLAN_EXAMPLE])
    indicators: list[dict[str, Any]] = Field(examples=[INDICATORS_EXAMPLE])
    reason: str = Field(min_length=1, examples=["县绩效办调整指标权重"])


class Problem(BaseModel):
    field: str
    message: str


class PlanRead(BaseModel):
    id: str
    year: int
    name: str
    status: str
    version: int
    revision: int
    published_at: dt.datetime | None
    plan: dict[str, Any]
    indicators: list[dict[str, Any]]
    problems: list[Problem] = Field(default_factory=list, description="What blocks publication (drafts only)")


class PlanSummary(BaseModel):
    id: str
    year: int
    name: str
    status: str
    version: int
    revision: int


class PlanVersionRead(BaseModel):
    plan_id: str
    version: int
    reason: str
    published_at: dt.datetime


class IndicatorWrite(Schema):
    """A node of the indicator tree: a group (no method) or a leaf (max_points and method)."""

    model_config = ConfigDict(json_schema_extra={"examples": [INDICATORS_EXAMPLE[1]]})
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    parent: str | None = None
    max_points: Decimal | None = None
    target: Decimal | None = None
    method: dict[str, Any] | None = None
    applies_to: list[str] | None = None
    responsible: dict[str, Any] | None = None
    unit_of_measure: str | None = Field(None, description="what task quantities of this leaf are counted in (km, 个)")

    def node(self) -> dict[str, Any]:
        return {"parent": None, **self.model_dump(exclude_none=True)}


# --- units and targets ----------------------------------------------------------------------------


class UnitCreate(Schema):
    id: str = Field(min_length=1, examples=["v01"])
    name: str = Field(min_length=1, examples=["白莲村"])
    kind: str = Field(
        min_length=1, examples=["village"], description="county, township, village, committee, agency, section, ..."
    )
    group: str | None = Field(None, examples=["villages"], description="ranking group (default: kind)")
    parent: str | None = Field(None, examples=["town"])


class UnitsUpsert(Schema):
    units: list[UnitCreate]


class UnitUpdate(Schema):
    name: str | None = None
    kind: str | None = None
    group: str | None = None
    parent: str | None = None


class UnitRead(BaseModel):
    plan_id: str
    id: str
    name: str
    kind: str
    group: str | None
    parent: str | None
    version: int


class TargetWrite(Schema):
    unit: str = Field(examples=["v02"])
    indicator: str = Field(examples=["I1.1"])
    target: Decimal = Field(examples=["12"])


class TargetsSet(Schema):
    targets: list[TargetWrite]


class TargetRead(BaseModel):
    plan_id: str
    unit_id: str
    indicator_id: str
    target: Decimal
    version: int


# --- results ------------------------------------------------------------------------------------


class ValueFields(Schema):
    """Exactly one of: actual (ratio, inverse_ratio, bands), rating, done (boolean), points (manual);
    or budget and spent together (budget_execution: the unit's budget > 0 and the amount spent ≥ 0)."""

    actual: Decimal | None = None
    rating: str | None = None
    done: bool | None = None
    points: Decimal | None = None
    budget: Decimal | None = None
    spent: Decimal | None = None

    def values(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in VALUE_FIELDS}


class ResultCreate(ValueFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"unit": "v01", "indicator": "I1.1", "period": "Y", "actual": "11.4", "comment": "完成村道整治11.4公里"}
            ]
        }
    )
    unit: str
    indicator: str
    part: str | None = Field(None, description="composite part key")
    period: PeriodField = Field(description="Y, H1, Q1..Q4")
    comment: str | None = None
    actor: str | None = None


class ResultUpdate(ValueFields):
    comment: str | None = None
    actor: str | None = None


class Confirm(Schema):
    assessor: str = Field(min_length=1, examples=["考评小组-张三"])


class ConfirmItem(Schema):
    id: str
    revision: int = Field(description="The revision (ETag) the assessor reviewed")


class ConfirmMany(Schema):
    assessor: str = Field(min_length=1, examples=["考评小组-张三"])
    items: list[ConfirmItem] = Field(min_length=1, max_length=1000)


class Correct(ValueFields):
    assessor: str = Field(min_length=1)
    reason: str = Field(min_length=1, examples=["核实台账后更正为10.8公里"])


class Return(Schema):
    assessor: str = Field(min_length=1)
    reason: str = Field(min_length=1, examples=["缺少佐证材料"])


class Submit(Schema):
    actor: str | None = None


def value_out(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """A result value as JSON: numbers always as decimal strings ("73", "11.4"), never as JSON numbers."""
    if value is None:
        return None
    return {k: v if isinstance(v, (bool, str)) or v is None else str(v) for k, v in value.items()}


class ResultRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    indicator_id: str
    part: str
    period: str
    status: str
    reported: dict[str, Any] | None
    comment: str | None
    confirmed: dict[str, Any] | None
    confirmed_version: int
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    review_note: str | None
    revision: int
    updated_at: dt.datetime | None
    pending: bool

    @field_serializer("reported", "confirmed")
    def _values(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return value_out(value)


class ResultEntryRead(BaseModel):
    revision: int
    action: str
    at: dt.datetime
    value: dict[str, Any] | None
    actor: str | None
    reason: str | None

    @field_serializer("value")
    def _value(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return value_out(value)


class EvidenceRead(BaseModel):
    id: str
    result_id: str
    filename: str = Field(examples=["村道验收单.pdf"])
    content_type: str = Field(examples=["application/pdf"])
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str | None = Field(None, examples=["黄小君"])
    note: str | None = None
    stored: str = Field(description='"database" or "directory"')


class PeriodClose(Schema):
    closed_by: str = Field(min_length=1, examples=["县绩效办"])


class PeriodRead(BaseModel):
    plan_id: str
    period: str
    closed_at: dt.datetime
    closed_by: str


class ReportSubmit(Schema):
    text: str = Field(min_length=1, examples=["2026年度自评：全面完成村道整治任务……"])


class ReportRead(BaseModel):
    plan_id: str
    unit_id: str
    period: str
    text: str
    submitted_at: dt.datetime
    deadline: dt.date | None
    late: bool
    revision: int

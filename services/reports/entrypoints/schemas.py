"""API schemas of the reports service (decimals are JSON strings, as in the events)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class RankingRowRead(BaseModel):
    rank: int | None
    unit: str
    unit_name: str | None = None
    group: str
    group_name: str | None = None
    total: Decimal | None
    grade: str | None
    grade_label: str | None = None
    vetoed: bool
    veto_categories: list[str] = Field(default_factory=list)
    award_eligible: bool
    status: str
    components: dict[str, Decimal] = Field(
        default_factory=dict, description="weighted: 0-100; penalty: points deducted"
    )


class RankingRead(BaseModel):
    plan: str
    plan_name: str | None = None
    period: str
    provisional: bool
    snapshot_version: int | None
    graded_at: datetime | None
    closed_by: str | None
    rankings: list[RankingRowRead]


class LabelsUpdate(BaseModel):
    """A plan's own labels; grades are listed best first (that order is the distribution's)."""

    grades: dict[str, str] = Field(default_factory=dict, examples=[{"excellent": "优秀", "pass": "合格"}])
    units: dict[str, str] = Field(default_factory=dict, examples=[{"v01": "白莲村"}])


class LabelsRead(BaseModel):
    """`grades`/`units`: the explicit override (PUT); `effective_*`: override > learned from events > defaults."""

    plan: str
    grades: dict[str, str]
    units: dict[str, str]
    effective_grades: dict[str, str]
    effective_units: dict[str, str]


class ScoreCardRead(BaseModel):
    """One unit's score in the shown ranking (graded snapshot, else provisional)."""

    plan: str
    period: str
    unit: str
    unit_name: str | None
    group: str
    provisional: bool
    snapshot_version: int | None
    graded_at: datetime | None
    status: str = Field(description="final | incomplete | provisional")
    total: Decimal | None
    grade: str | None
    grade_label: str | None
    rank: int | None = Field(description="rank within the group; null = unranked")
    group_size: int
    components: dict[str, Decimal]
    survey_se: Decimal | None
    vetoed: bool
    award_eligible: bool
    missing: list[str]


class ObjectionCreate(BaseModel):
    """An objection (异议) against one unit's result on a notice."""

    unit: str = Field(max_length=100)
    text: str = Field(min_length=1, max_length=2000)
    filed_by: str | None = Field(None, max_length=200, description="recorded only when auth is off")


class AnswerCreate(BaseModel):
    answer: str = Field(min_length=1, max_length=2000)
    answered_by: str | None = Field(None, max_length=200, description="recorded only when auth is off")


class ObjectionRead(BaseModel):
    id: str
    plan: str
    period: str
    snapshot_version: int
    unit: str
    text: str
    filed_by: str
    filed_at: datetime
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    rescored_in: int | None = None  # the snapshot version whose re-score followed this objection


class NoticeRead(BaseModel):
    """A public notice (公示): its frozen content, the SHA-256 of the graded rows, the notice period, objections."""

    plan: str
    period: str
    snapshot_version: int
    sha256: str
    published_at: datetime
    ends_on: str
    open: bool
    content: dict
    objections: list[ObjectionRead]
    objections_filed: int
    objections_answered: int

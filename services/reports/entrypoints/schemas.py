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
    total: Decimal | None
    grade: str | None
    grade_label: str | None = None
    vetoed: bool
    award_eligible: bool
    status: str


class RankingRead(BaseModel):
    plan: str
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

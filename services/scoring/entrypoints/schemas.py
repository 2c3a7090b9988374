"""Request and response schemas of the scoring REST API (numbers in responses are exact decimals)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from jixiao.validation import Schema


class PeriodCommand(Schema):
    """Body of close and rescore (optional): who asks."""

    actor: str = Field("api", min_length=1, max_length=200)


class DiffEntryRead(BaseModel):
    unit: str
    old_total: Decimal | None
    new_total: Decimal | None
    old_grade: str | None
    new_grade: str | None
    why: list[str]


class CloseRead(BaseModel):
    plan: str
    period: str
    snapshot_version: int
    units: int
    created: bool
    reconciled: dict[str, int]
    unreconciled: list[str] = Field(
        default_factory=list, description="sources without a snapshot address (local mode only): not reconciled"
    )
    diff: list[DiffEntryRead]


class RescoreRead(BaseModel):
    plan: str
    period: str
    units: int
    against: str
    reconciled: dict[str, int]
    diff: list[DiffEntryRead]


class ConsistencyRead(BaseModel):
    plan: str
    applied: dict[str, int]

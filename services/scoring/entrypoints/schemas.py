"""Request and response schemas of the scoring REST API (numbers in responses are exact decimals)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from jixiao.validation import Id, Schema


class PeriodCommand(Schema):
    """Body of close and rescore (optional): who asks, and the objections (异议, reports' ids) the
    re-score follows; the next new snapshot version records and publishes them."""

    actor: str = Field("api", min_length=1, max_length=200)
    objections: list[Id] = Field(default_factory=list, max_length=100)


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
    objections: list[str] = []
    reconciled: dict[str, int]
    diff: list[DiffEntryRead]


class FactDigestRead(BaseModel):
    facts: int  # how many facts of the source scoring holds (latest version of each)
    sha256: str  # jixiao.fact_digest: equal to the source's GetPosition `facts` once scoring has them all


class ConsistencyRead(BaseModel):
    plan: str
    applied: dict[str, int]  # events applied per source (compare with an older source's position)
    facts: dict[str, FactDigestRead]

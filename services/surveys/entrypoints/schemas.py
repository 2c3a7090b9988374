"""Request and response bodies of the surveys REST API (decimals travel as strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from jixiao.validation import Schema


class _Body(Schema):
    model_config = {"extra": "forbid"}


class RoundStateUpdate(_Body):
    state: Literal["fieldwork", "closed"]


class RoundRead(BaseModel):
    round: str
    plan: str
    weight: str
    period: str
    state: str
    groups: list[str]
    questionnaires: dict[str, int]


class OptionCreate(_Body):
    answer: str = Field(min_length=1, max_length=100)
    label: str = Field("", max_length=200)
    score: Decimal


class ItemCreate(_Body):
    key: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=2000)
    options: list[OptionCreate] = Field(min_length=1)


class QuestionnaireCreate(_Body):
    items: list[ItemCreate] = Field(min_length=1)


class OptionRead(BaseModel):
    answer: str
    label: str
    score: str


class ItemRead(BaseModel):
    key: str
    text: str
    options: list[OptionRead]


class QuestionnaireRead(BaseModel):
    round: str
    group: str
    version: int
    items: list[ItemRead]


class StratumRead(BaseModel):
    stratum: str
    n: int
    mean: str
    sd: str
    weight: str


class ScoreRead(BaseModel):
    plan: str
    unit: str
    round: str
    version: int
    score: str | None = Field(description="round score S_r, exact decimal; null without a counted response")
    se: str | None = Field(description="standard error SE_r")
    ci95: list[str] | None = Field(description="S_r ± 1.96·SE_r (normal approximation)")
    responses: int
    strata: list[StratumRead]
    external: bool = Field(
        False, description="supplied from outside (the county office's own evaluation), used as given: no SE"
    )
    source: str | None = None
    document: str | None = None


class FrameRead(BaseModel):
    frame_id: str
    plan: str
    round: str
    unit: str
    frame_sha256: str
    respondents: int
    strata: dict[str, int]


class SampleCreate(_Body):
    size: int | None = Field(None, ge=1, le=1_000_000, description="required unless allocation is fixed")
    seed: int | None = Field(None, ge=0, lt=2**63, description="omit for a fresh random seed (stored)")
    allocation: Literal["proportional", "neyman", "fixed"] = "proportional"
    sds: dict[str, Decimal] | None = Field(None, description="per-stratum standard deviations (neyman)")
    quotas: dict[str, int] | None = Field(
        None, description="fixed allocation: {stratum: n}, each at most the stratum's frame size (size = their sum)"
    )
    reserve_rate: Decimal = Field(Decimal(0), ge=0, le=10)


class SampledRead(BaseModel):
    respondent_id: str
    stratum: str


class SampleRead(BaseModel):
    plan: str
    round: str
    unit: str
    algorithm: str
    seed: str
    frame_sha256: str
    allocation: str
    allocated_by_area: dict[str, dict[str, int]] | None = Field(
        None, description="seats per stratum and area when the frame has an area column"
    )
    size: int
    sds: dict[str, str] | None
    reserve_rate: str
    allocated: dict[str, int]
    sampled: list[SampledRead]
    reserve: dict[str, list[str]]


class AssignmentCreate(_Body):
    interviewers: list[str] = Field(min_length=1)
    strategy: Literal["round_robin", "balanced"] = "round_robin"


class AssignmentRead(BaseModel):
    assigned: int
    workload: dict[str, int]


class InterviewCreate(_Body):
    interview_id: str = Field(min_length=1, max_length=100)
    respondent_id: str = Field(min_length=1, max_length=64)
    interviewer: str | None = Field(None, max_length=100, description="defaults to the X-Actor header")
    mode: Literal["phone", "face"]
    outcome: Literal["completed", "refused", "unreachable", "replaced"]
    answers: dict[str, str | None] | list[str | None] | None = None


class InterviewRead(BaseModel):
    interview_id: str
    respondent_id: str
    outcome: str
    replacement_id: str | None
    score_version: int | None


class StratumProgressRead(BaseModel):
    allocated: int
    issued: int
    completed: int
    refused: int
    unreachable: int
    replaced: int
    pending: int
    response_rate: str | None
    quota_fill: str | None


class RespondentStatusRead(BaseModel):
    respondent_id: str
    stratum: str
    status: str
    interviewer: str | None
    draw_number: int
    replaces: str | None


class FieldworkRead(BaseModel):
    plan: str
    round: str
    unit: str
    strata: dict[str, StratumProgressRead]
    workload: dict[str, int]
    respondents: list[RespondentStatusRead]


class ContactRead(BaseModel):
    """Personal data: only ever returned to the interviewer assigned to the respondent."""

    respondent_id: str
    stratum: str
    name: str
    phone: str
    address: str
    status: str
    round: str | None = None
    unit: str | None = None
    interviewer: str | None = None


class ExternalScoreWrite(BaseModel):
    """A unit's survey score in a round from the county office's own evaluation (used as given)."""

    score: Decimal = Field(description="0-100, a JSON number read as an exact decimal")
    source: str = Field(description="who ran the evaluation, e.g. 县效能办")
    document: str = Field(description="the document the score is taken from")
    note: str | None = None


class ExternalScoreRead(BaseModel):
    plan: str
    unit: str
    round: str
    score: str
    source: str
    document: str
    note: str
    entered_by: str

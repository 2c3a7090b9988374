"""Request and response bodies of the REST API. Points travel as decimal strings ("1.5"); numbers are accepted."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from jixiao.validation import Schema
from services.inspections.domain import rules
from services.inspections.domain.model import (
    Absence,
    Appeal,
    AuditEntry,
    Deduction,
    Leave,
    PlanSettings,
    Veto,
    dec_str,
)

Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^/\s]+$")]
Text = Annotated[str, Field(max_length=4000)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _decimal_of(value):
    # JSON numbers arrive as floats; read them through their shortest repr so 0.1 stays 0.1
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


Dec = Annotated[Decimal, BeforeValidator(_decimal_of)]
Points = Annotated[Decimal, BeforeValidator(_decimal_of), Field(gt=0, allow_inf_nan=False)]


# --- plan ------------------------------------------------------------------------------------


class DeductionKind(Input):
    kind: Annotated[str, Field(min_length=1, max_length=100)]
    cap: Annotated[Dec, Field(ge=0)] | None = Field(
        None, description="the plan's cap for this kind, shown in the ledger; applied by scoring only"
    )


class PlanSettingsUpdate(Input):
    year: int = Field(ge=1900, le=9999)
    veto_categories: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    deduction_kinds: list[DeductionKind] = Field(min_length=1)
    discipline_points_per_absence: Annotated[Dec, Field(gt=0)] = Decimal("0.5")
    appeal_window_days: int = Field(15, ge=0, le=366)


class PlanSettingsRead(BaseModel):
    plan_id: str
    year: int
    veto_categories: list[str]
    deduction_kinds: list[dict]
    discipline_points_per_absence: str
    appeal_window_days: int

    @classmethod
    def of(cls, s: PlanSettings) -> PlanSettingsRead:
        return cls(
            plan_id=s.plan_id,
            year=s.year,
            veto_categories=s.veto_categories,
            deduction_kinds=[{"kind": k, "cap": dec_str(v)} for k, v in s.kinds.items()],
            discipline_points_per_absence=dec_str(s.discipline_points),
            appeal_window_days=s.appeal_window_days,
        )


# --- deductions and ledger -------------------------------------------------------------------


class DeductionCreate(Input):
    id: Id | None = Field(None, description="client-chosen id: a retry with the same id and facts is a no-op")
    unit_id: Id
    kind: str = "inspection"
    points: Points
    date: date
    aspect: str = ""
    note: Text = ""
    person: Id | None = Field(
        None,
        description="a discipline deduction of one person: their staff id (of the unit); it counts towards "
        "the plan's people.deduction_threshold for their eligibility for excellence",
    )


class ReasonIn(Input):
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class DeductionRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    kind: str
    points: str
    date: date
    aspect: str
    note: str
    source: str
    source_ref: str
    status: Literal["active", "revoked"]
    revoke_reason: str
    version: int
    created_at: datetime | None
    revoked_at: datetime | None
    person: str = Field("", description="the staff id a discipline deduction is about (empty: the unit's)")

    @classmethod
    def of(cls, d: Deduction) -> DeductionRead:
        return cls(
            id=d.id,
            plan_id=d.plan_id,
            unit_id=d.unit_id,
            kind=d.kind,
            points=dec_str(d.points),
            date=d.date,
            aspect=d.aspect,
            note=d.note,
            source=d.source,
            source_ref=d.source_ref,
            status=d.status,
            revoke_reason=d.revoke_reason,
            version=d.version,
            created_at=d.created_at,
            revoked_at=d.revoked_at,
            person=d.person,
        )


class Page(BaseModel):
    items: list
    total: int
    limit: int
    offset: int


class LedgerLineRead(DeductionRead):
    running_total: str = Field(description="active points of the unit and kind up to and including this line")


class LedgerTotalRead(BaseModel):
    unit_id: str
    kind: str
    total: str = Field(description="sum of active points (the truth; not capped)")
    active: int
    revoked: int
    cap: str | None = Field(description="the plan's cap for this kind; scoring applies it")
    over_cap: bool


class LedgerRead(BaseModel):
    plan_id: str
    year: int
    totals: list[LedgerTotalRead]
    lines: list[LedgerLineRead]

    @classmethod
    def of(cls, plan_id: str, year: int, lines: list[rules.LedgerLine], totals: list[rules.LedgerTotal]) -> LedgerRead:
        return cls(
            plan_id=plan_id,
            year=year,
            totals=[
                LedgerTotalRead(
                    unit_id=t.unit_id,
                    kind=t.kind,
                    total=dec_str(t.total),
                    active=t.active,
                    revoked=t.revoked,
                    cap=dec_str(t.cap),
                    over_cap=t.over_cap,
                )
                for t in totals
            ],
            lines=[
                LedgerLineRead(
                    **DeductionRead.of(line.deduction).model_dump(), running_total=dec_str(line.running_total)
                )
                for line in lines
            ],
        )


# --- vetoes ----------------------------------------------------------------------------------


class VetoCreate(Input):
    id: Id | None = None
    unit_id: Id
    category: Annotated[str, Field(min_length=1)]
    date: date
    document: Annotated[str, Field(max_length=300, description="document reference (文号)")] = ""
    note: Text = ""


class VetoRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    category: str
    date: date
    document: str
    note: str
    status: Literal["issued", "lifted"]
    in_force: bool
    lift_reason: str
    version: int
    lifted_at: datetime | None

    @classmethod
    def of(cls, v: Veto) -> VetoRead:
        return cls(
            id=v.id,
            plan_id=v.plan_id,
            unit_id=v.unit_id,
            category=v.category,
            date=v.date,
            document=v.document,
            note=v.note,
            status=v.status,
            in_force=v.in_force,
            lift_reason=v.lift_reason,
            version=v.version,
            lifted_at=v.lifted_at,
        )


# --- appeals ---------------------------------------------------------------------------------


class AppealCreate(Input):
    id: Id | None = None
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class AppealDecisionIn(Input):
    decision: Literal["revoke_deduction", "keep_deduction"] = Field(
        description="revoke_deduction: the appeal is granted and the deduction is revoked; "
        "keep_deduction: the appeal is rejected and the deduction stands"
    )
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class AppealRead(BaseModel):
    id: str
    plan_id: str
    deduction_id: str
    unit_id: str
    reason: str
    filed_by: str
    filed_at: datetime
    status: Literal["open", "granted", "rejected"] = Field(
        description="granted = the deduction was revoked; rejected = the deduction stands"
    )
    decision: str
    decision_reason: str
    decided_by: str
    decided_at: datetime | None

    @classmethod
    def of(cls, a: Appeal) -> AppealRead:
        return cls(**{k: getattr(a, k) for k in cls.model_fields})


class AppealDecisionRead(BaseModel):
    appeal: AppealRead
    changed: bool = Field(description="false when this decision had already been recorded (a repeated delivery)")
    deduction_revoked: bool = Field(description="true when this request revoked the deduction")


# --- discipline ------------------------------------------------------------------------------


class AbsenceCreate(Input):
    id: Id | None = None
    unit_id: Id = Field(description="the section (科室) or unit")
    person: Annotated[str, Field(min_length=1, max_length=200)]
    activity: Literal["labour", "culture", "study"]
    date: date
    excused: bool = False
    note: Text = ""


class AbsenceRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    person: str
    activity: str
    date: date
    excused: bool
    note: str
    deduction_id: str

    @classmethod
    def of(cls, a: Absence) -> AbsenceRead:
        return cls(**{k: getattr(a, k) for k in cls.model_fields})


class LeaveCreate(Input):
    id: Id | None = None
    unit_id: Id
    person: Annotated[str, Field(min_length=1, max_length=200)]
    start: date
    end: date
    note: Text = ""


class LeaveRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    person: str
    start: date
    end: date
    note: str

    @classmethod
    def of(cls, lv: Leave) -> LeaveRead:
        return cls(**{k: getattr(lv, k) for k in cls.model_fields})


class EligibilityRead(BaseModel):
    unit_id: str
    person: str
    cumulative_days: int
    longest_consecutive_days: int
    eligible_for_excellence: bool
    reasons: list[str]

    @classmethod
    def of(cls, s: rules.LeaveStatus) -> EligibilityRead:
        return cls(
            unit_id=s.unit_id,
            person=s.person,
            cumulative_days=s.cumulative_days,
            longest_consecutive_days=s.longest_consecutive_days,
            eligible_for_excellence=s.eligible_for_excellence,
            reasons=s.reasons,
        )


class AuditRead(BaseModel):
    id: int | None
    at: datetime | None
    actor: str
    action: str
    entity_type: str
    entity_id: str
    plan_id: str
    before: dict | None
    after: dict | None
    trace_id: str
    reason: str = Field(description="why, for edits (empty where the action says it)")

    @classmethod
    def of(cls, e: AuditEntry) -> AuditRead:
        return cls(**{k: getattr(e, k) for k in cls.model_fields})

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
    Evidence,
    Finding,
    Inspection,
    Leave,
    PlanSettings,
    Veto,
    dec_str,
)

Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^/\s]+$")]
Text = Annotated[str, Field(max_length=4000)]


class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _decimal_of(value):
    # JSON numbers arrive as floats; read them through their shortest repr so 0.1 stays 0.1
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


Dec = Annotated[Decimal, BeforeValidator(_decimal_of)]
Points = Annotated[Decimal, BeforeValidator(_decimal_of), Field(gt=0, allow_inf_nan=False)]


# --- plan ------------------------------------------------------------------------------------


class DeductionKind(_In):
    kind: Annotated[str, Field(min_length=1, max_length=100)]
    cap: Annotated[Dec, Field(ge=0)] | None = Field(
        None, description="the plan's cap for this kind, shown in the ledger; applied by scoring only"
    )


class PlanSettingsUpdate(_In):
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


class DeductionCreate(_In):
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


class ReasonIn(_In):
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


class VetoCreate(_In):
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


class AppealCreate(_In):
    id: Id | None = None
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class AppealDecisionIn(_In):
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


# --- inspections -----------------------------------------------------------------------------


class FindingCreate(_In):
    id: Id | None = None
    aspect: Literal["duties", "work_style", "power_use", "efficiency", "attitude"]
    description: Annotated[str, Field(min_length=1, max_length=4000)]
    proposed_points: Points | None = None


class InspectionCreate(_In):
    id: Id | None = Field(None, description="generate on the device so a retried upload is a no-op")
    unit_id: Id
    mode: Literal["announced", "unannounced"]
    date: date
    inspectors: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1)
    note: Text = ""
    findings: list[FindingCreate] = []


Reason = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4000,
        description="why the record is corrected (kept in the audit log with who and what changed)",
    ),
]


class InspectionUpdate(_In):
    """The visit as it should be: PUT replaces unit, mode, date, inspectors and note (send If-Match).

    Findings are not part of it: correct each at its own URL. Unit and date cannot change while a
    deduction one of its findings produced is active (409)."""

    unit_id: Id
    mode: Literal["announced", "unannounced"]
    date: date
    inspectors: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1)
    note: Text
    reason: Reason


class FindingUpdate(_In):
    """The finding as it should be: PUT replaces aspect, description and proposed points (send If-Match).

    Once confirmed, a finding's aspect and points are its deduction's (409: revoke the deduction and
    record a new one); the description can always be corrected."""

    aspect: Literal["duties", "work_style", "power_use", "efficiency", "attitude"]
    description: Annotated[str, Field(min_length=1, max_length=4000)]
    proposed_points: Points | None = Field(description="null: the finding proposes no deduction")
    reason: Reason


class FindingConfirm(_In):
    points: Points | None = Field(None, description="defaults to the finding's proposed points")


class EvidenceRead(BaseModel):
    id: str
    finding_id: str
    filename: str
    content_type: str
    size: int
    sha256: str

    @classmethod
    def of(cls, e: Evidence) -> EvidenceRead:
        return cls(
            id=e.id,
            finding_id=e.finding_id,
            filename=e.filename,
            content_type=e.content_type,
            size=e.size,
            sha256=e.sha256,
        )


class FindingRead(BaseModel):
    id: str
    aspect: str
    description: str
    proposed_points: str | None
    deduction_id: str
    evidence: list[EvidenceRead]
    revision: int = Field(description="the finding's ETag (send it as If-Match to edit it)")

    @classmethod
    def of(cls, f: Finding) -> FindingRead:
        return cls(
            id=f.id,
            aspect=f.aspect,
            description=f.description,
            proposed_points=dec_str(f.proposed_points),
            deduction_id=f.deduction_id,
            evidence=[EvidenceRead.of(e) for e in f.evidence],
            revision=f.revision,
        )


class InspectionRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    mode: str
    date: date
    inspectors: list[str]
    note: str
    created_by: str
    findings: list[FindingRead]
    revision: int = Field(description="the inspection's ETag: moves with any change to it or its findings")

    @classmethod
    def of(cls, i: Inspection) -> InspectionRead:
        return cls(
            id=i.id,
            plan_id=i.plan_id,
            unit_id=i.unit_id,
            mode=i.mode,
            date=i.date,
            inspectors=i.inspectors,
            note=i.note,
            created_by=i.created_by,
            findings=[FindingRead.of(f) for f in i.findings],
            revision=i.revision,
        )


# --- discipline ------------------------------------------------------------------------------


class AbsenceCreate(_In):
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


class LeaveCreate(_In):
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

"""Inspections, findings, the deduction ledger, appeals, discipline records and vetoes (stdlib only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .errors import AlreadyRevoked, AppealDecided, VetoAlreadyLifted

# The five aspects of 察访核验 (codes as in the bundle) and their Chinese labels.
ASPECTS: dict[str, str] = {
    "duties": "履行职责",
    "work_style": "作风建设",
    "power_use": "规范权力运行",
    "efficiency": "办事效率",
    "attitude": "工作态度",
}
MODES: dict[str, str] = {"announced": "明察", "unannounced": "暗访"}
# Veto categories the seeds name; a plan lists the ones it uses.
VETO_CATEGORIES: dict[str, str] = {
    "family_planning": "计划生育",
    "public_order": "社会治安综合治理",
    "work_safety": "安全生产",
    "environment": "环境治理",
    "rural_medical": "新型农村合作医疗",
    "rural_pension": "新型农村社会养老保险",
    "written_criticism": "县委县政府书面通报批评",
}
ACTIVITIES: dict[str, str] = {"labour": "组织劳动", "culture": "文体活动", "study": "学习"}
INSPECTION, DISCIPLINE = "inspection", "discipline"
DEFAULT_KINDS: dict[str, Decimal | None] = {INSPECTION: None, DISCIPLINE: None}
DEFAULT_DISCIPLINE_POINTS = Decimal("0.5")
DEFAULT_APPEAL_WINDOW_DAYS = 15

# where a deduction comes from
SOURCE_MANUAL, SOURCE_FINDING, SOURCE_DISCIPLINE, SOURCE_IMPORT = (
    "manual",
    "inspection_finding",
    "discipline_record",
    "import",
)
ACTIVE, REVOKED = "active", "revoked"
ISSUED, LIFTED = "issued", "lifted"
# Appeal states and the reviewer's two possible decisions, named by what happens to the deduction.
OPEN, GRANTED, REJECTED = "open", "granted", "rejected"
REVOKE_DEDUCTION, KEEP_DEDUCTION = "revoke_deduction", "keep_deduction"
DECISIONS = {REVOKE_DEDUCTION: GRANTED, KEEP_DEDUCTION: REJECTED}


def dec_str(value: Decimal | None) -> str | None:
    """A decimal as plain text without exponent or trailing zeros ("6", "0.5")."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass
class PlanSettings:
    """What this service needs to know of a plan (the plan itself belongs to indicators)."""

    plan_id: str
    year: int
    veto_categories: list[str] = field(default_factory=lambda: list(VETO_CATEGORIES))
    kinds: dict[str, Decimal | None] = field(default_factory=lambda: dict(DEFAULT_KINDS))  # kind -> cap
    discipline_points: Decimal = DEFAULT_DISCIPLINE_POINTS
    appeal_window_days: int = DEFAULT_APPEAL_WINDOW_DAYS

    def cap_of(self, kind: str) -> Decimal | None:
        return self.kinds.get(kind)

    def as_dict(self) -> dict:
        return {
            "plan_id": self.plan_id,
            "year": self.year,
            "veto_categories": list(self.veto_categories),
            "kinds": {k: dec_str(v) for k, v in self.kinds.items()},
            "discipline_points": dec_str(self.discipline_points),
            "appeal_window_days": self.appeal_window_days,
        }


@dataclass
class Unit:
    """An assessed unit as the plan's bundle lists it (the unit itself belongs to indicators)."""

    plan_id: str
    id: str
    name: str = ""
    kind: str = ""


@dataclass
class Deduction:
    """One entry of the ledger (察访检验台帐). Points are never edited in place: a change is a new version."""

    plan_id: str
    id: str
    unit_id: str
    kind: str
    points: Decimal
    date: date
    aspect: str = ""
    note: str = ""
    source: str = SOURCE_MANUAL
    source_ref: str = ""
    status: str = ACTIVE
    revoke_reason: str = ""
    version: int = 0  # bumps on every event about this deduction
    recorded_version: int = 0  # version of the last DeductionRecorded
    recorded_envelope: bytes = b""  # the events as published, replayed verbatim by the snapshot
    revoked_envelope: bytes = b""
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    person: str = ""  # the staff id a discipline deduction is about ("": the unit's own)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def facts(self) -> tuple:
        return (self.unit_id, self.kind, self.points, self.date, self.aspect, self.person)

    def record(self) -> int:
        """A new DeductionRecorded version (first recording or a corrected record)."""
        self.version += 1
        self.recorded_version = self.version
        return self.version

    def revoke(self, reason: str, at: datetime) -> int:
        """Revoke an active deduction; a revoked one raises AlreadyRevoked (never counted twice)."""
        if not self.active:
            raise AlreadyRevoked(f"deduction {self.id!r} is already revoked")
        self.status, self.revoke_reason, self.revoked_at = REVOKED, reason, at
        self.version += 1
        return self.version

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "unit_id": self.unit_id,
            "kind": self.kind,
            "points": dec_str(self.points),
            "date": self.date.isoformat(),
            "aspect": self.aspect,
            "note": self.note,
            "source": self.source,
            "source_ref": self.source_ref,
            "status": self.status,
            "revoke_reason": self.revoke_reason,
            "version": self.version,
            "person": self.person,
        }


@dataclass
class Veto:
    """A one-vote veto (一票否决): removes the unit's award eligibility for the plan year until lifted."""

    plan_id: str
    id: str
    unit_id: str
    category: str
    date: date
    document: str = ""
    note: str = ""
    status: str = ISSUED
    lift_reason: str = ""
    version: int = 0
    issued_version: int = 0
    issued_envelope: bytes = b""
    lifted_envelope: bytes = b""
    created_at: datetime | None = None
    lifted_at: datetime | None = None

    @property
    def in_force(self) -> bool:
        return self.status == ISSUED

    def facts(self) -> tuple:
        return (self.unit_id, self.category, self.date, self.document)

    def issue(self) -> int:
        self.version += 1
        self.issued_version = self.version
        return self.version

    def lift(self, reason: str, at: datetime) -> int:
        if not self.in_force:
            raise VetoAlreadyLifted(f"veto {self.id!r} is already lifted")
        self.status, self.lift_reason, self.lifted_at = LIFTED, reason, at
        self.version += 1
        return self.version

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "unit_id": self.unit_id,
            "category": self.category,
            "date": self.date.isoformat(),
            "document": self.document,
            "note": self.note,
            "status": self.status,
            "lift_reason": self.lift_reason,
            "version": self.version,
        }


@dataclass
class Appeal:
    """A unit's appeal (申诉) against one deduction; the decision is final."""

    plan_id: str
    id: str
    deduction_id: str
    unit_id: str
    reason: str
    filed_by: str
    filed_at: datetime
    status: str = OPEN
    decision: str = ""  # revoke_deduction | keep_deduction
    decision_reason: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None

    def decide(self, decision: str, reason: str, by: str, at: datetime) -> bool:
        """Record the decision; the same decision again is a no-op (False), a different one a conflict."""
        if self.status != OPEN:
            if self.decision == decision:
                return False
            raise AppealDecided(f"appeal {self.id!r} was already decided ({self.decision}); decisions are final")
        self.status, self.decision, self.decision_reason = DECISIONS[decision], decision, reason
        self.decided_by, self.decided_at = by, at
        return True

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "deduction_id": self.deduction_id,
            "unit_id": self.unit_id,
            "reason": self.reason,
            "filed_by": self.filed_by,
            "status": self.status,
            "decision": self.decision,
            "decision_reason": self.decision_reason,
            "decided_by": self.decided_by,
        }


@dataclass
class Evidence:
    """A file attached to a finding (photo, scan); the bytes live in the adapter's store."""

    id: str
    finding_id: str
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass
class Finding:
    """One finding of an inspection, with its proposed deduction (recorded in the ledger once confirmed)."""

    id: str
    inspection_id: str
    aspect: str
    description: str
    proposed_points: Decimal | None = None
    deduction_id: str = ""  # set when the proposed deduction has been recorded
    evidence: list[Evidence] = field(default_factory=list)
    revision: int = 1  # bumps on every change of what a reader sees of it; the ETag

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "aspect": self.aspect,
            "description": self.description,
            "proposed_points": dec_str(self.proposed_points),
            "deduction_id": self.deduction_id,
            "evidence": [e.filename for e in self.evidence],
            "revision": self.revision,
        }


@dataclass
class Inspection:
    """An announced (明察) or unannounced (暗访) visit to a unit."""

    plan_id: str
    id: str
    unit_id: str
    mode: str
    date: date
    inspectors: list[str]
    note: str = ""
    findings: list[Finding] = field(default_factory=list)
    created_by: str = ""
    created_at: datetime | None = None
    # Bumps on every change of the visit or of anything in it (a finding added, edited, confirmed,
    # given evidence): the ETag of the whole inspection as GET returns it.
    revision: int = 1

    def finding(self, finding_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == finding_id), None)

    def revise(self, finding: Finding | None = None) -> None:
        """A change inside the inspection: its next revision (and the changed finding's)."""
        self.revision += 1
        if finding is not None:
            finding.revision += 1

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "unit_id": self.unit_id,
            "mode": self.mode,
            "date": self.date.isoformat(),
            "inspectors": list(self.inspectors),
            "note": self.note,
            "findings": [f.as_dict() for f in self.findings],
            "revision": self.revision,
        }


@dataclass
class Absence:
    """An absence of a person of a section from organised labour, cultural activities or study."""

    plan_id: str
    id: str
    unit_id: str
    person: str
    activity: str
    date: date
    excused: bool = False
    note: str = ""
    deduction_id: str = ""
    person_id: str = ""  # the staff register's id (empty for records from before the register)
    excused_by_leave: str = ""  # the leave covering its day that excused it ("": not, or by the office)
    version: int = 1  # AbsenceRecorded's: a rejected leave form that excused it makes version 2, ...

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "unit_id": self.unit_id,
            "person": self.person,
            "activity": self.activity,
            "date": self.date.isoformat(),
            "excused": self.excused,
            "note": self.note,
            "deduction_id": self.deduction_id,
            "person_id": self.person_id,
            "excused_by_leave": self.excused_by_leave,
            "version": self.version,
        }


@dataclass
class Leave:
    """A leave of absence of a person, both days included."""

    plan_id: str
    id: str
    unit_id: str
    person: str
    start: date
    end: date
    note: str = ""
    type: str = "personal"  # a jixiao.rules.people.LEAVE_TYPES code (事假 for records from before types)
    person_id: str = ""  # the staff register's id (empty for records from before the register)
    approval: str = ""  # "" (no form) | pending | approved | rejected (请假单三级审批)
    approvals: list = field(default_factory=list)  # each step: {step, approver, decision, reason, at}

    @property
    def version(self) -> int:
        """LeaveRecorded's version: 1 when recorded, one more with every decision of its form."""
        return 1 + len(self.approvals)

    @property
    def granted(self) -> bool:
        """Whether the leave is leave at all: a rejected form means the person was not granted it."""
        return self.approval != "rejected"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "unit_id": self.unit_id,
            "person": self.person,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "note": self.note,
            "type": self.type,
            "person_id": self.person_id,
            "approval": self.approval,
            "approvals": list(self.approvals),
        }


@dataclass
class AuditEntry:
    """Who changed what, when, with the state before and after."""

    actor: str
    action: str
    entity_type: str
    entity_id: str
    plan_id: str
    before: dict | None
    after: dict | None
    at: datetime | None = None
    trace_id: str = ""
    id: int | None = None
    reason: str = ""  # why (required for edits; empty where the action speaks for itself)

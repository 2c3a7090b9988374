"""Commands: what a caller asks the service to do (built by entrypoints, executed by handlers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class ConfigurePlan:
    plan_id: str
    year: int
    veto_categories: list[str]
    kinds: dict[str, Decimal | None]  # deduction kind -> cap shown in the ledger (None: no cap)
    discipline_points: Decimal
    appeal_window_days: int


@dataclass(frozen=True)
class RecordDeduction:
    plan_id: str
    unit_id: str
    kind: str
    points: Decimal
    date: date
    aspect: str = ""
    note: str = ""
    id: str | None = None  # client-chosen id makes retries idempotent
    person: str = ""  # a discipline deduction of one person: their staff id (counts towards their eligibility)


@dataclass(frozen=True)
class RevokeDeduction:
    plan_id: str
    deduction_id: str
    reason: str
    expected_version: int | None = None  # If-Match: refuse when the deduction moved on since it was read


@dataclass(frozen=True)
class IssueVeto:
    plan_id: str
    unit_id: str
    category: str
    date: date
    document: str = ""
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class LiftVeto:
    plan_id: str
    veto_id: str
    reason: str
    expected_version: int | None = None  # If-Match: refuse when the veto moved on since it was read


@dataclass(frozen=True)
class FileAppeal:
    plan_id: str
    deduction_id: str
    reason: str
    id: str | None = None


@dataclass(frozen=True)
class DecideAppeal:
    plan_id: str
    appeal_id: str
    decision: str  # revoke_deduction | keep_deduction
    reason: str


@dataclass(frozen=True)
class NewFinding:
    aspect: str
    description: str
    proposed_points: Decimal | None = None
    id: str | None = None


@dataclass(frozen=True)
class CreateInspection:
    plan_id: str
    unit_id: str
    mode: str
    date: date
    inspectors: list[str]
    note: str = ""
    findings: list[NewFinding] = field(default_factory=list)
    id: str | None = None


@dataclass(frozen=True)
class AddFinding:
    plan_id: str
    inspection_id: str
    finding: NewFinding


@dataclass(frozen=True)
class ConfirmFinding:
    """Record a finding's proposed deduction in the ledger (optionally with other points)."""

    plan_id: str
    inspection_id: str
    finding_id: str
    points: Decimal | None = None


@dataclass(frozen=True)
class EditInspection:
    """Replace what a visit records (findings are edited one by one), based on the revision read (If-Match)."""

    plan_id: str
    inspection_id: str
    unit_id: str
    mode: str
    date: date
    inspectors: list[str]
    note: str
    reason: str  # why: kept in the audit row
    expected_revision: int | None  # the If-Match; None is refused (428)


@dataclass(frozen=True)
class EditFinding:
    """Replace a finding's aspect, description and proposed points, based on the revision read (If-Match)."""

    plan_id: str
    inspection_id: str
    finding_id: str
    aspect: str
    description: str
    proposed_points: Decimal | None
    reason: str
    expected_revision: int | None


@dataclass(frozen=True)
class AttachEvidence:
    plan_id: str
    inspection_id: str
    finding_id: str
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class RecordAbsence:
    plan_id: str
    unit_id: str
    person: str
    activity: str
    date: date
    excused: bool = False
    note: str = ""
    id: str | None = None
    person_id: str = ""  # the staff register's id; the name then comes from the register


@dataclass(frozen=True)
class RecordLeave:
    plan_id: str
    unit_id: str
    person: str
    start: date
    end: date
    note: str = ""
    id: str | None = None
    type: str = "personal"  # a jixiao.rules.people.LEAVE_TYPES code
    person_id: str = ""

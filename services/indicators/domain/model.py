"""The indicators service's aggregates: plans, units, targets, results, periods, tasks, reports, evidence.

Plain mutable dataclasses holding Decimals (never floats). A plan keeps its `plan` object and its
indicator nodes in the jixiao.bundle/v1 shape, so the scoring rules can validate them as they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .people import stored

DRAFT, PUBLISHED = "draft", "published"
# result workflow: a unit enters (draft) and submits; an assessor confirms, corrects or returns
SUBMITTED, RETURNED, CONFIRMED = "submitted", "returned", "confirmed"
RESULT_STATES = (DRAFT, SUBMITTED, RETURNED, CONFIRMED)
VALUE_FIELDS = ("actual", "rating", "done", "points", "budget", "spent")
BUDGET_FIELDS = ("budget", "spent")  # a budget_execution result carries both, and nothing else

_RESULT_NS = uuid.UUID("6f1c9a52-8f5e-4c1b-9b7e-3c2f8d0a4e11")

Value = dict[str, Any]  # one value field ({"actual": Decimal("11.4")}), or {"budget": ..., "spent": ...}


@dataclass
class Plan:
    """A plan (方案) with its indicator tree; `version` counts published versions (0 = never)."""

    id: str
    year: int
    name: str
    body: dict[str, Any]  # the bundle's `plan` object (plus issuing_body, calendar)
    indicators: list[dict[str, Any]]  # the bundle's `indicators` nodes
    status: str = DRAFT
    version: int = 0
    revision: int = 1  # bumps on every change; the ETag
    published_at: dt.datetime | None = None
    event_id: str | None = None  # the PlanPublished of the current version

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED

    def node(self, indicator_id: str) -> dict[str, Any] | None:
        """The indicator node with this id, if any."""
        return next((n for n in self.indicators if n.get("id") == indicator_id), None)

    def calendar(self) -> dict[str, Any]:
        cal = self.body.get("calendar")
        return cal if isinstance(cal, dict) else {}


@dataclass
class PlanVersion:
    """One published version of a plan, kept forever."""

    plan_id: str
    version: int
    body: dict[str, Any]
    indicators: list[dict[str, Any]]
    reason: str
    published_at: dt.datetime
    event_id: str | None = None


@dataclass
class Unit:
    """An assessed unit in a plan's hierarchy (county → township → village/agency → section)."""

    plan_id: str
    id: str
    name: str
    kind: str
    group: str | None = None
    parent: str | None = None
    version: int = 1
    event_id: str | None = None

    def facts(self) -> tuple:
        """What a UnitUpserted carries (a change to any of these is a new version)."""
        return (self.name, self.kind, self.group, self.parent)

    def as_bundle(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "kind": self.kind}
        if self.group:
            out["group"] = self.group
        if self.parent:
            out["parent"] = self.parent
        return out


@dataclass
class Target:
    """A unit's own target for a leaf (overrides the leaf's default target)."""

    plan_id: str
    unit_id: str
    indicator_id: str
    target: Decimal
    version: int = 1
    event_id: str | None = None

    def as_bundle(self) -> dict[str, Any]:
        return {"unit": self.unit_id, "indicator": self.indicator_id, "target": self.target}


def result_id(plan_id: str, unit_id: str, indicator_id: str, part: str, period: str) -> str:
    """The stable id of a result: one per (plan, unit, leaf, part, period)."""
    return str(uuid.uuid5(_RESULT_NS, "\x1f".join((plan_id, unit_id, indicator_id, part, period))))


@dataclass
class Result:
    """A unit's result for a leaf (or composite part) and period, through entry, review and confirmation.

    `reported` is the unit's self-assessed value, `confirmed` the value last confirmed by an
    assessor (published as IndicatorResultConfirmed version `confirmed_version`). A change after
    confirmation waits as a pending correction: the confirmed value stands until re-confirmed.
    """

    id: str
    plan_id: str
    unit_id: str
    indicator_id: str
    part: str
    period: str
    status: str = DRAFT
    reported: Value | None = None
    comment: str | None = None
    confirmed: Value | None = None
    confirmed_version: int = 0
    confirmed_by: str | None = None
    confirmed_at: dt.datetime | None = None
    review_note: str | None = None
    revision: int = 1
    updated_at: dt.datetime | None = None
    event_id: str | None = None  # the IndicatorResultConfirmed of the confirmed version
    import_count: int = 0  # bundle records applied by /v1/import so far
    import_digest: str | None = None  # chained fingerprint of those records (idempotency)

    @property
    def pending(self) -> bool:
        """True when a newer value waits for review after a confirmation."""
        return self.confirmed_version > 0 and self.status != CONFIRMED


@dataclass
class ResultEntry:
    """One step in a result's history (audit): who did what, with which value and why."""

    result_id: str
    revision: int
    action: str  # enter, submit, confirm, correct, return, import
    at: dt.datetime
    value: Value | None = None
    actor: str | None = None
    reason: str | None = None
    import_seq: int | None = None  # position of the record among the key's bundle records
    digest: str | None = None  # fingerprint of the imported record (idempotency)


@dataclass
class Period:
    """A period closed by the office."""

    plan_id: str
    period: str
    closed_at: dt.datetime
    closed_by: str
    event_id: str | None = None


@dataclass
class Task:
    """A piece of a leaf's target assigned to a section, with responsible people and progress."""

    id: str
    plan_id: str
    indicator_id: str
    unit_id: str
    title: str
    quantity: Decimal
    unit_of_measure: str
    deadline: dt.date
    # the responsibility chain: several people per role, each {"staff_id": str | None, "name": str | None}
    lead: list[dict[str, Any]] = field(default_factory=list)  # 主管领导
    deputy: list[dict[str, Any]] = field(default_factory=list)  # 分管领导
    head: list[dict[str, Any]] = field(default_factory=list)  # 科室负责人
    handlers: list[dict[str, Any]] = field(default_factory=list)  # 承办人
    progress: list[dict[str, Any]] = field(default_factory=list)  # [{quarter | slot, done, note, ...}]
    revision: int = 1
    measures: str | None = None  # 工作措施
    expected_effects: str | None = None  # 预期效果
    cadence: str | None = None  # reporting cadence: monthly, half_monthly, quarterly (None: quarters, none due)
    reporting_from: dt.date | None = None  # the first day reports are due for (None: the plan's first day)

    def __post_init__(self) -> None:
        # rows written before roles were lists hold a name (lead, deputy, head) or names (handlers)
        self.lead, self.deputy, self.head = stored(self.lead), stored(self.deputy), stored(self.head)
        self.handlers = stored(self.handlers)

    def done_quantity(self) -> Decimal:
        """The latest cumulative quantity reported (progress entries are cumulative)."""
        return Decimal(self.progress[-1]["done"]) if self.progress else Decimal(0)


@dataclass
class StaffRef:
    """A member of the plan's staff register as inspections publishes it (StaffMemberUpserted/Removed):
    what the responsibility chain checks staff ids against. The name is personal data: never logged."""

    plan_id: str
    id: str
    unit_id: str
    name: str
    removed: bool = False
    version: int = 0


@dataclass
class SelfReport:
    """A unit's self-assessment report (自评报告) for a period."""

    plan_id: str
    unit_id: str
    period: str
    text: str
    submitted_at: dt.datetime
    deadline: dt.date | None = None
    late: bool = False
    revision: int = 1


@dataclass
class Evidence:
    """A file backing a result: kept in the database (`data`) or in the evidence directory (`path`)."""

    id: str
    result_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    data: bytes | None = None
    path: str | None = None
    uploaded_by: str | None = None
    note: str | None = None


def digest(record: dict[str, Any], previous: str | None = None) -> str:
    """A stable fingerprint of a flat record (values by their str form), chained to the previous one."""
    text = "\x1e".join(f"{k}\x1f{record[k]!s}" for k in sorted(record))
    return hashlib.sha256(f"{previous or ''}\x1d{text}".encode()).hexdigest()

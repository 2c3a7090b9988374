"""Pure rules: periods, the ledger's running totals, appeal windows, leave-based eligibility, and what an
edit of an inspection or a finding may change."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from jixiao.rules.periods import period_dates

from .errors import FieldProblem, InLedger, InvalidInput, PreconditionFailed, PreconditionRequired
from .model import Deduction, Finding, Inspection, Leave, PlanSettings

# A person on leave longer than this loses eligibility for excellence (机关效能).
MAX_CONSECUTIVE_LEAVE_DAYS = 15
MAX_CUMULATIVE_LEAVE_DAYS = 30


def period_range(year: int, period: str) -> tuple[date, date] | None:
    """First and last day of a period of the plan year; None for "" (every period)."""
    if not period:
        return None
    return period_dates(period, year)


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class LedgerLine:
    """One deduction with the running total of its unit and kind after it (revoked lines add nothing)."""

    deduction: Deduction
    running_total: Decimal


@dataclass(frozen=True)
class LedgerTotal:
    """Active points of a unit and kind; the plan's cap is shown beside it, applied only by scoring."""

    unit_id: str
    kind: str
    total: Decimal
    active: int
    revoked: int
    cap: Decimal | None

    @property
    def over_cap(self) -> bool:
        return self.cap is not None and self.total > self.cap


def ledger(deductions: list[Deduction], settings: PlanSettings) -> tuple[list[LedgerLine], list[LedgerTotal]]:
    """Lines in (unit, kind, date, id) order with running totals, and the totals per unit and kind."""
    ordered = sorted(deductions, key=lambda d: (d.unit_id, d.kind, d.date, d.id))
    running: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    lines = []
    for d in ordered:
        key = (d.unit_id, d.kind)
        if d.active:
            running[key] += d.points
            counts[key][0] += 1
        else:
            running[key] += 0
            counts[key][1] += 1
        lines.append(LedgerLine(d, running[key]))
    totals = [
        LedgerTotal(u, k, running[(u, k)], counts[(u, k)][0], counts[(u, k)][1], settings.cap_of(k))
        for (u, k) in sorted(running)
    ]
    return lines, totals


def appeal_deadline(recorded_on: date, window_days: int) -> date:
    """The last day a unit may appeal a deduction recorded (entered in the ledger) on `recorded_on`."""
    return recorded_on + timedelta(days=window_days)


@dataclass(frozen=True)
class LeaveStatus:
    """A person's leave in the plan year and whether it removes eligibility for excellence."""

    unit_id: str
    person: str
    cumulative_days: int
    longest_consecutive_days: int

    @property
    def eligible_for_excellence(self) -> bool:
        return (
            self.longest_consecutive_days <= MAX_CONSECUTIVE_LEAVE_DAYS
            and self.cumulative_days <= MAX_CUMULATIVE_LEAVE_DAYS
        )

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.longest_consecutive_days > MAX_CONSECUTIVE_LEAVE_DAYS:
            out.append(
                f"leave of {self.longest_consecutive_days} consecutive days (more than {MAX_CONSECUTIVE_LEAVE_DAYS})"
            )
        if self.cumulative_days > MAX_CUMULATIVE_LEAVE_DAYS:
            out.append(f"{self.cumulative_days} days of leave in the year (more than {MAX_CUMULATIVE_LEAVE_DAYS})")
        return out


def leave_status(leaves: list[Leave], year: int) -> list[LeaveStatus]:
    """Per (unit, person): days on leave in `year`, overlapping or adjoining leaves merged into one spell.
    A rejected leave form is no leave (the person was not granted it) and is left out."""
    first, last = year_range(year)
    spans: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)
    for lv in leaves:
        if not lv.granted:
            continue
        start, end = max(lv.start, first), min(lv.end, last)
        if start <= end:
            spans[(lv.unit_id, lv.person)].append((start, end))
    out = []
    for (unit_id, person), items in sorted(spans.items()):
        merged: list[list[date]] = []
        for start, end in sorted(items):
            if merged and start <= merged[-1][1] + timedelta(days=1):
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        lengths = [(e - s).days + 1 for s, e in merged]
        out.append(LeaveStatus(unit_id, person, sum(lengths), max(lengths)))
    return out


# --- edits of inspections and findings -------------------------------------------------------

# What an edit may replace. A confirmed finding's deduction copies the inspection's unit and date and
# the finding's aspect and points (DeductionRecorded carries them to scoring): while that deduction
# is active those facts cannot change here, or the visit and the ledger would silently disagree.
INSPECTION_FIELDS = ("unit_id", "mode", "date", "inspectors", "note")
FINDING_FIELDS = ("aspect", "description", "proposed_points")
INSPECTION_FACTS_IN_LEDGER = ("unit_id", "date")
FINDING_FACTS_IN_LEDGER = ("aspect", "proposed_points")


def check_revision(current: int, expected: int | None, what: str) -> None:
    """An edit names the revision it was based on (If-Match); none is refused (428), a stale one too (412)."""
    if expected is None:
        raise PreconditionRequired(f"editing {what} needs an If-Match header with the ETag you read")
    if expected != current:
        raise PreconditionFailed(
            f"{what} changed since you read it (now at revision {current}, not {expected}); "
            f"reload it and apply your edit again"
        )


def check_version_if_given(current: int, expected: int | None, what: str) -> None:
    """Revoking and lifting take an optional If-Match (imports and appeal decisions revoke too):
    when one is given it must be the version read (412 otherwise)."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"{what} changed since you read it (now at version {current}, not {expected}); reload it and decide again"
        )


def edit_reason(reason: str) -> str:
    """Every edit says why (kept in the audit row beside who and what)."""
    if not reason.strip():
        raise InvalidInput(
            "reason: a reason is required to edit a record",
            problems=[FieldProblem("reason", "a reason is required to edit a record")],
        )
    return reason.strip()


def _changes(record: Any, wanted: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    unknown = set(wanted) - set(allowed)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    return [name for name in allowed if name in wanted and getattr(record, name) != wanted[name]]


def _revoke_hint(plan_id: str, deduction_ids: list[str]) -> str:
    urls = ", ".join(f"POST /v1/plans/{plan_id}/deductions/{d}/revoke" for d in deduction_ids)
    return f"revoke {'it' if len(deduction_ids) == 1 else 'them'} with a reason ({urls}) and record a new one"


def edit_inspection(inspection: Inspection, wanted: dict[str, Any], in_ledger: list[Deduction]) -> list[str]:
    """Replace the visit's own fields; returns the names of those that changed (none: nothing to do).

    `in_ledger` are the deductions its findings produced. While one of them is active the unit and
    the date it was recorded with cannot change (InLedger); mode, inspectors and note always can.
    """
    changed = _changes(inspection, wanted, INSPECTION_FIELDS)
    blocked = [name for name in changed if name in INSPECTION_FACTS_IN_LEDGER]
    active = [d for d in in_ledger if d.active]
    if blocked and active:
        ids = [d.id for d in active]
        raise InLedger(
            f"inspection {inspection.id!r} has findings in the ledger (deduction{'s' if len(ids) > 1 else ''} "
            f"{', '.join(map(repr, ids))}) recorded with its {' and '.join(INSPECTION_FACTS_IN_LEDGER)}, so its "
            f"{' and '.join(blocked)} cannot change: {_revoke_hint(inspection.plan_id, ids)} (edit the "
            f"inspection, then add and confirm a corrected finding); mode, inspectors and note can be corrected here"
        )
    for name in changed:
        setattr(inspection, name, wanted[name])
    if changed:
        inspection.revise()
    return changed


def edit_finding(
    inspection: Inspection, finding: Finding, wanted: dict[str, Any], deduction: Deduction | None
) -> list[str]:
    """Replace a finding's aspect, description and proposed points; returns the names that changed.

    Once a finding has been confirmed its aspect and points are those of its deduction for good:
    while the deduction is active, revoke it and record a new one; once revoked, the finding stays
    as it was recorded (a corrected finding is added and confirmed instead). The description is not
    part of the ledger's facts and can always be corrected.
    """
    changed = _changes(finding, wanted, FINDING_FIELDS)
    blocked = [name for name in changed if name in FINDING_FACTS_IN_LEDGER]
    if blocked and finding.deduction_id:
        what = f"finding {finding.id!r} was entered in the ledger as deduction {finding.deduction_id!r}"
        fields = " and ".join(blocked)
        if deduction is None or deduction.active:
            raise InLedger(
                f"{what}, so its {fields} cannot change: "
                f"{_revoke_hint(inspection.plan_id, [finding.deduction_id])} "
                f"(add a corrected finding to the inspection and confirm it); "
                f"the description can be corrected here"
            )
        raise InLedger(
            f"{what} (revoked since), so its {fields} stay as they were recorded: add a corrected "
            f"finding to the inspection and confirm it; the description can be corrected here"
        )
    for name in changed:
        setattr(finding, name, wanted[name])
    if changed:
        inspection.revise(finding)
    return changed

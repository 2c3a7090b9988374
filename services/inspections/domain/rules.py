"""Pure rules: periods, the ledger's running totals, appeal windows and leave-based eligibility."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .model import Deduction, Leave, PlanSettings

# A person on leave longer than this loses eligibility for excellence (机关效能).
MAX_CONSECUTIVE_LEAVE_DAYS = 15
MAX_CUMULATIVE_LEAVE_DAYS = 30

_PERIODS = {"Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12), "H1": (1, 6), "Y": (1, 12)}


def period_range(year: int, period: str) -> tuple[date, date] | None:
    """First and last day of a period of the plan year; None for "" (every period)."""
    if not period:
        return None
    if period not in _PERIODS:
        raise ValueError(f"unknown period {period!r} (expected one of {', '.join(_PERIODS)} or empty)")
    first, last = _PERIODS[period]
    end = date(year, 12, 31) if last == 12 else date(year, last + 1, 1) - timedelta(days=1)
    return date(year, first, 1), end


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
    totals = [LedgerTotal(u, k, running[(u, k)], counts[(u, k)][0], counts[(u, k)][1], settings.cap_of(k))
              for (u, k) in sorted(running)]
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
        return (self.longest_consecutive_days <= MAX_CONSECUTIVE_LEAVE_DAYS
                and self.cumulative_days <= MAX_CUMULATIVE_LEAVE_DAYS)

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.longest_consecutive_days > MAX_CONSECUTIVE_LEAVE_DAYS:
            out.append(f"leave of {self.longest_consecutive_days} consecutive days (more than "
                       f"{MAX_CONSECUTIVE_LEAVE_DAYS})")
        if self.cumulative_days > MAX_CUMULATIVE_LEAVE_DAYS:
            out.append(f"{self.cumulative_days} days of leave in the year (more than {MAX_CUMULATIVE_LEAVE_DAYS})")
        return out


def leave_status(leaves: list[Leave], year: int) -> list[LeaveStatus]:
    """Per (unit, person): days on leave in `year`, overlapping or adjoining leaves merged into one spell."""
    first, last = year_range(year)
    spans: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)
    for lv in leaves:
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

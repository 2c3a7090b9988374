"""Task reporting cadence (每月底上报进度月报, 每半个月上报): reporting slots, due dates, late and
missing reports. Pure: no I/O.

A task may report `monthly` (slots `2026-03`), `half_monthly` (`2026-03-H1` = days 1–15,
`2026-03-H2` = 16 to the month's end) or `quarterly` (`Q1`–`Q4` of the plan's year). A slot's report
is due on the slot's last day plus the plan's grace (`calendar.task_report_grace_days`, default 0).
Reports are due for every slot from the one containing `reporting_from` (default: the plan's first
day) to the one containing the task's deadline, and no more once a report has given the full quantity.
A report is late when first given after its due day; a slot without a report (by `as_of`) is
missing once its due day has passed (`as_of` later than the due day).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import FieldProblem, InvalidInput

MONTHLY, HALF_MONTHLY, QUARTERLY = "monthly", "half_monthly", "quarterly"
CADENCES = (MONTHLY, HALF_MONTHLY, QUARTERLY)
GRACE_FIELD = "task_report_grace_days"
MAX_GRACE_DAYS = 366

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_HALF = re.compile(r"^(\d{4})-(\d{2})-H([12])$")
_QUARTER = re.compile(r"^Q([1-4])$")


@dataclass(frozen=True)
class Slot:
    """One reporting slot: its code, first and last day, and its place in time (for ordering)."""

    code: str
    first: dt.date
    last: dt.date

    def due(self, grace_days: int = 0) -> dt.date:
        """The day the slot's report is due: the slot's last day plus the grace."""
        return self.last + dt.timedelta(days=grace_days)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_slot(cadence: str, code: Any, year: int) -> Slot | None:
    """The slot a code names for a cadence, or None when the cadence has no such slot.

    Quarterly codes are the plan year's quarters; monthly and half-monthly codes carry their year.
    """
    if not isinstance(code, str):
        return None
    if cadence == QUARTERLY:
        m = _QUARTER.match(code)
        if not m:
            return None
        q = int(m.group(1))
        return Slot(code, dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
    if cadence == MONTHLY:
        m = _MONTH.match(code)
        if not m or not 1 <= int(m.group(2)) <= 12:
            return None
        y, mo = int(m.group(1)), int(m.group(2))
        return Slot(code, dt.date(y, mo, 1), _month_end(y, mo))
    if cadence == HALF_MONTHLY:
        m = _HALF.match(code)
        if not m or not 1 <= int(m.group(2)) <= 12:
            return None
        y, mo = int(m.group(1)), int(m.group(2))
        if m.group(3) == "1":
            return Slot(code, dt.date(y, mo, 1), dt.date(y, mo, 15))
        return Slot(code, dt.date(y, mo, 16), _month_end(y, mo))
    return None


def slot_of(cadence: str, day: dt.date, year: int) -> Slot | None:
    """The slot containing `day` (None for a quarterly cadence outside the plan's year)."""
    if cadence == QUARTERLY:
        return None if day.year != year else parse_slot(cadence, f"Q{(day.month - 1) // 3 + 1}", year)
    if cadence == MONTHLY:
        return parse_slot(cadence, f"{day.year:04d}-{day.month:02d}", year)
    if cadence == HALF_MONTHLY:
        return parse_slot(cadence, f"{day.year:04d}-{day.month:02d}-H{1 if day.day <= 15 else 2}", year)
    return None


def slots_between(cadence: str, first: dt.date, last: dt.date, year: int) -> list[Slot]:
    """Every slot of the cadence that overlaps the days first..last, in order."""
    out: list[Slot] = []
    day = first
    while day <= last:
        slot = slot_of(cadence, day, year)
        if slot is None:  # a quarterly cadence past the plan's year: no more slots
            break
        out.append(slot)
        day = slot.last + dt.timedelta(days=1)
    return out


def check_slot(cadence: str | None, code: Any, year: int, field: str = "slot") -> Slot | None:
    """The slot a progress entry names, or InvalidInput naming `field` when the cadence has none such.

    A task without a cadence reports by quarter (Q1–Q4) as before; None is returned for it.
    """
    if cadence is None:
        return None
    slot = parse_slot(cadence, code, year)
    if slot is None:
        examples = {MONTHLY: f"{year}-03", HALF_MONTHLY: f"{year}-03-H1 or {year}-03-H2", QUARTERLY: "Q1 to Q4"}
        raise InvalidInput(
            f"{field}: {code!r} is not a {cadence} reporting slot",
            problems=[FieldProblem(field, f"{code!r} is not a {cadence} reporting slot (e.g. {examples[cadence]})")],
        )
    return slot


def grace_days(calendar_: dict[str, Any]) -> int:
    """The plan's grace after a slot's end (`calendar.task_report_grace_days`, default 0)."""
    raw = calendar_.get(GRACE_FIELD)
    if raw is None:
        return 0
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_GRACE_DAYS:
        path = f"$.plan.calendar.{GRACE_FIELD}"
        message = f"must be a whole number of days from 0 to {MAX_GRACE_DAYS}, not {raw!r}"
        raise InvalidInput(f"{path}: {message}", problems=[FieldProblem(path, message)])
    return raw


@dataclass(frozen=True)
class LateReport:
    """A slot whose report came late (`reported_at` set) or is missing (`reported_at` None)."""

    slot: str
    due: dt.date
    reported_at: dt.date | None
    days_late: int

    @property
    def status(self) -> str:
        return "missing" if self.reported_at is None else "late"


def due_slots(
    cadence: str, year: int, deadline: dt.date, reporting_from: dt.date | None, entries: list[dict[str, Any]]
) -> list[Slot]:
    """The slots a task must report: from `reporting_from` (or the year's start) to its deadline's slot,
    stopping after the first slot whose report gives the full quantity (`complete` entries)."""
    start = reporting_from or dt.date(year, 1, 1)
    slots = slots_between(cadence, start, deadline, year)
    complete = [e["slot"] for e in entries if e.get("complete")]
    if complete:
        codes = [s.code for s in slots]
        first_done = min((codes.index(c) for c in complete if c in codes), default=None)
        if first_done is not None:
            slots = slots[: first_done + 1]
    return slots


def late_reports(
    cadence: str | None,
    year: int,
    deadline: dt.date,
    reporting_from: dt.date | None,
    entries: list[dict[str, Any]],
    quantity: Decimal,
    grace: int,
    as_of: dt.date,
) -> list[LateReport]:
    """A task's late and missing reports as of a day, in slot order.

    `entries` are the task's progress entries (`slot`, `done`, `reported_at`: when the slot was first
    reported). A missing report counts days late up to `as_of`; a late one up to when it came.
    """
    if cadence is None:
        return []
    marked = [{**e, "complete": Decimal(e["done"]) >= quantity} for e in entries]
    by_slot = {e["slot"]: e for e in marked}
    out: list[LateReport] = []
    for slot in due_slots(cadence, year, deadline, reporting_from, marked):
        due = slot.due(grace)
        entry = by_slot.get(slot.code)
        reported = None if entry is None else _day(entry.get("reported_at") or entry.get("recorded_at"))
        if entry is None or (reported is not None and reported > as_of):  # not reported by as_of
            if as_of > due:
                out.append(LateReport(slot.code, due, None, (as_of - due).days))
            continue
        if reported is not None and reported > due:
            out.append(LateReport(slot.code, due, reported, (reported - due).days))
    return out


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.datetime.fromisoformat(str(value)).date()

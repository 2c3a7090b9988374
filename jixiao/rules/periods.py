"""Periods: the year `Y` and the progress checks `H1`, `Q1`–`Q4`."""

from __future__ import annotations

import datetime as dt

YEAR = "Y"
PERIODS = ("Y", "H1", "Q1", "Q2", "Q3", "Q4")
QUARTERS = ("Q1", "Q2", "Q3", "Q4")

# (first month, last month) of each period
_MONTHS = {"Y": (1, 12), "H1": (1, 6), "Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12)}


def is_period(code: object) -> bool:
    """True for Y, H1, Q1, Q2, Q3, Q4."""
    return isinstance(code, str) and code in _MONTHS


def is_provisional(period: str) -> bool:
    """True for the progress checks, whose scores are provisional and never graded."""
    return period != YEAR


def contains(outer: str, inner: str) -> bool:
    """True when period `inner` lies inside period `outer` (a period lies inside itself)."""
    (a, b), (c, d) = _MONTHS[outer], _MONTHS[inner]
    return a <= c and d <= b


def round_counts(round_period: str, period: str) -> bool:
    """Whether a survey round feeds `period`: for Y every round, else rounds inside the period."""
    return period == YEAR or contains(period, round_period)


def date_in(day: dt.date, period: str, year: int) -> bool:
    """True when `day` lies in `period` of the plan's `year`."""
    first, last = _MONTHS[period]
    return day.year == year and first <= day.month <= last


def period_dates(period: str, year: int) -> tuple[dt.date, dt.date]:
    """First and last day of `period` in `year`; ValueError for an unknown period."""
    if not is_period(period):
        raise ValueError(f"unknown period {period!r} (expected one of {', '.join(PERIODS)})")
    first, last = _MONTHS[period]
    end = dt.date(year, 12, 31) if last == 12 else dt.date(year, last + 1, 1) - dt.timedelta(days=1)
    return dt.date(year, first, 1), end

"""Reminders before an appraisal: units owing results of a graded period that ends within N days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from services.indicators.domain import reminders
from services.indicators.domain.model import CONFIRMED, SUBMITTED, Plan, Result, Unit

pytestmark = pytest.mark.unit

NODES = [
    {"id": "G", "name": "业务", "parent": None},
    {"id": "L1", "name": "里程", "parent": "G", "max_points": D(10), "method": {"type": "ratio"}, "target": D(75)},
    {
        "id": "L2",
        "name": "安全",
        "parent": "G",
        "max_points": D(5),
        "method": {"type": "boolean"},
        "applies_to": ["section"],
    },
    {
        "id": "L3",
        "name": "综合",
        "parent": "G",
        "max_points": D(5),
        "method": {
            "type": "composite",
            "parts": [
                {"key": "a", "weight": D("0.5"), "method": {"type": "manual"}},
                {"key": "b", "weight": D("0.5"), "method": {"type": "boolean"}},
            ],
        },
    },
]


def plan(graded=None) -> Plan:
    body = {"id": "hami-2026", "year": 2026, **({"graded_periods": graded} if graded else {})}
    return Plan(id="hami-2026", year=2026, name="交通运输局", body=body, indicators=NODES)


UNITS = [
    Unit("hami-2026", "s1", "办公室", "section"),
    Unit("hami-2026", "s2", "公路科", "section"),
    Unit("hami-2026", "o1", "站所", "office"),
]


def result(unit: str, indicator: str, period: str, status: str = CONFIRMED, part: str = "") -> Result:
    return Result(
        id=f"{unit}:{indicator}#{part}@{period}",
        plan_id="hami-2026",
        unit_id=unit,
        indicator_id=indicator,
        part=part,
        period=period,
        status=status,
    )


def test_only_the_appraised_periods_ending_within_the_window_are_due() -> None:
    quarterly = plan(["Q1", "Q2", "Q3", "Q4"])
    assert reminders.due_periods(quarterly, dt.date(2026, 3, 20), 14) == [("Q1", dt.date(2026, 3, 31))]
    assert reminders.due_periods(quarterly, dt.date(2026, 3, 20), 10) == []  # 31 March is 11 days away
    assert reminders.due_periods(quarterly, dt.date(2026, 12, 25), 7) == [
        ("Y", dt.date(2026, 12, 31)),
        ("Q4", dt.date(2026, 12, 31)),
    ]
    assert reminders.due_periods(plan(), dt.date(2026, 3, 20), 14) == []  # a yearly plan: Y only


def test_a_unit_is_reminded_of_each_leaf_not_entered_or_not_confirmed() -> None:
    results = [
        result("s1", "L1", "Q1"),
        result("s1", "L2", "Q1"),
        result("s1", "L3", "Q1", part="a"),
        result("s1", "L3", "Q1", SUBMITTED, part="b"),
        result("s2", "L1", "Q1", SUBMITTED),
        result("o1", "L1", "Q1"),
        result("o1", "L3", "Q1", part="a"),
        result("o1", "L3", "Q1", part="b"),
        result("s2", "L2", "Y"),  # another period
    ]
    found = reminders.reminders(plan(["Q1"]), UNITS, results, "Q1", dt.date(2026, 3, 31))
    assert [(r.unit_id, r.missing, r.unconfirmed) for r in found] == [
        ("s1", (), ("L3#b",)),
        ("s2", ("L2", "L3#a", "L3#b"), ("L1",)),
    ]  # o1 (an office: L2 does not apply to it) has everything confirmed

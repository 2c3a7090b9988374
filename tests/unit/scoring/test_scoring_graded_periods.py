"""Quarters and the half-year graded like the year (scoring.md, Periods: `graded_periods`).

The default test plan (conftest PLAN): indicators 0.8, survey 0.2 (rounds mid in H1, final in Y),
penalty `inspection` capped at 3; bands excellent ≥ 90, good ≥ 85, fair ≥ 75, poor.
Village leaves: L1 ratio (10 points, target 100), L2 rating (5), L4 manual (5) = 20 points.
"""

from __future__ import annotations

import copy
from decimal import Decimal as D

import pytest

from jixiao.rules.bundle import parse_bundle
from jixiao.rules.errors import BundleError
from services.scoring.domain.grading import score_bundle

pytestmark = pytest.mark.unit


def graded_plan(sf, periods=("Q1", "H1")) -> dict:
    plan = copy.deepcopy(sf.PLAN)
    plan["graded_periods"] = list(periods)
    return plan


def q1_records(sf) -> dict:
    return {
        "results": [
            sf.result("v1", "L1", "Q1", actual=D(90)),  # 0.9 × 10 = 9
            sf.result("v1", "L2", "Q1", rating="A"),  # 5
            sf.result("v1", "L4", "Q1", points=D(4)),  # 4  → 18 of 20 = 90
            sf.result("v2", "L1", "Q1", actual=D(50)),  # 5 of 20 = 25; L2, L4 missing
            sf.result("v1", "L1", "Y", actual=D(100)),  # another period: not in Q1
        ],
        "deductions": [
            sf.deduction("d1", "v1", "1.5", date="2026-02-10"),  # Q1
            sf.deduction("d2", "v1", "2", date="2026-05-01"),  # Q2: not in Q1
        ],
        "vetoes": [{"id": "x1", "unit": "v2", "category": "work_safety", "date": "2026-03-31"}],
    }


def by_unit(sf, doc, period):
    return {s.unit: s for s in score_bundle(parse_bundle(doc), period)}


def test_a_graded_quarter_is_graded_with_the_empty_survey_left_out_for_everyone(sf) -> None:
    scores = by_unit(sf, sf.bundle(plan=graded_plan(sf), **q1_records(sf)), "Q1")
    # no round lies inside Q1: the survey is left out for all units, indicators weigh 0.8/0.8 = 1
    v1, v2, a1 = scores["v1"], scores["v2"], scores["a1"]
    assert (v1.status, v1.total, v1.grade, v1.rank, v1.award_eligible) == ("final", D("88.50"), "good", 1, True)
    assert (v2.status, v2.total, v2.grade, v2.rank, v2.vetoed, v2.award_eligible) == (
        "final",
        D("25.00"),
        "poor",
        2,
        True,
        False,
    )
    # a1 has no Q1 result, but others have: the indicators component counts for a1 too (0, its leaves missing)
    assert (a1.status, a1.total, a1.grade, a1.rank) == ("final", D("0.00"), "poor", 1)
    assert "indicator:L1" in a1.missing and "component:indicators" not in a1.missing
    assert "component:survey" not in v1.missing and "survey" not in v1.components
    weights = {c.key: c.weight for c in v1.explanation.components}
    assert (weights["indicators"], v1.components["inspection"]) == (D(1), D("1.5"))


def test_the_half_year_counts_the_mid_round_and_a_unit_without_it_is_incomplete(sf) -> None:
    records = q1_records(sf)
    records["survey_responses"] = [sf.response("r1", "v1", "mid", "resident", "basically_satisfied")]
    scores = by_unit(sf, sf.bundle(plan=graded_plan(sf), **records), "H1")
    v1, v2 = scores["v1"], scores["v2"]
    # results count in the period they were entered for: none is for H1, so the indicators are left
    # out for everyone and the survey weighs 1: v1 = 80 − min(1.5 + 2, cap 3) = 77.00
    assert (v1.status, v1.total, v1.grade, v1.rank) == ("final", D("77.00"), "fair", 1)
    assert "indicators" not in v1.components
    assert (v2.status, v2.total, v2.grade, v2.rank, v2.missing[-1]) == (
        "incomplete",
        None,
        None,
        None,
        "component:survey",
    )


def test_a_quarter_the_plan_does_not_grade_stays_a_provisional_progress_check(sf) -> None:
    scores = by_unit(sf, sf.bundle(**q1_records(sf)), "Q1")
    assert {(u, s.status, s.grade, s.rank) for u, s in scores.items()} == {
        ("v1", "provisional", None, None),
        ("v2", "provisional", None, None),
        ("a1", "provisional", None, None),
    }
    # a progress check leaves an empty component out unit by unit: a1 has nothing weighted, no total
    assert (scores["a1"].total, "indicators" in scores["a1"].components) == (None, False)
    assert scores["v1"].total == D("88.50")


def test_the_year_is_graded_as_before_when_quarters_are_graded_too(sf) -> None:
    plain = by_unit(sf, sf.bundle(**q1_records(sf)), "Y")
    graded = by_unit(sf, sf.bundle(plan=graded_plan(sf), **q1_records(sf)), "Y")
    assert {u: (s.status, s.total, s.grade) for u, s in plain.items()} == {
        u: (s.status, s.total, s.grade) for u, s in graded.items()
    }


def test_graded_periods_must_be_periods(sf) -> None:
    with pytest.raises(BundleError) as caught:
        parse_bundle(sf.bundle(plan=graded_plan(sf, ("Q1", "Q5"))))
    assert [str(p) for p in caught.value.problems] == [
        "$.plan.graded_periods[1]: must be one of Y, H1, Q1, Q2, Q3, Q4, not 'Q5'"
    ]

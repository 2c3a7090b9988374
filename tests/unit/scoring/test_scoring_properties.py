"""Properties: a score never depends on the order of order-free inputs, nor on repeated deliveries."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.rules.model import Deduction, Result, SurveyResponse, Unit, UnitFacts, Veto
from jixiao.rules.plan import parse_plan
from services.scoring.domain.grading import score_unit
from services.scoring.domain.model import UnitScore

pytestmark = pytest.mark.unit

UNIT = Unit("a1", "甲所", "agency", "agency")
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


@pytest.fixture(scope="module")
def plan(sf):
    """The test plan with every component type; a veto lowers the grade to fair."""
    doc = copy.deepcopy(sf.PLAN)
    doc["components"] = [
        {"key": "indicators", "type": "indicators", "weight": D("0.5")},
        {"key": "survey", "type": "survey", "weight": D("0.3")},
        {"key": "efficiency", "type": "efficiency", "weight": D("0.2"), "kinds": ["discipline"]},
        {"key": "inspection", "type": "penalty", "kinds": ["inspection"], "cap": D(3)},
    ]
    doc["veto"]["grade"] = "fair"
    return parse_plan(doc, copy.deepcopy(sf.INDICATORS))


# distinct (leaf, part) keys: their order does not matter (latest-wins applies per key only)
RESULTS = [
    Result("L1", "Y", True, actual=D("73.3")),
    Result("L2", "Y", True, rating="B"),
    Result("L3", "Y", True, part="completion", actual=D("91.7")),
    Result("L3", "Y", True, part="innovation", done=True),
    Result("L4", "Y", True, points=D("3.33")),
    Result("L4", "H1", True, points=D("1")),
]

responses = st.lists(
    st.tuples(
        st.sampled_from(["mid", "final"]),
        st.sampled_from(["resident", "business"]),
        st.lists(
            st.sampled_from(["satisfied", "basically_satisfied", "dissatisfied", None, "no_answer"]),
            min_size=1,
            max_size=5,
        ),
    ),
    min_size=1,
    max_size=25,
).map(
    lambda rows: [
        SurveyResponse(f"r{i}", rnd, stratum, tuple(answers)) for i, (rnd, stratum, answers) in enumerate(rows)
    ]
)

deductions = st.lists(
    st.tuples(
        st.sampled_from(["inspection", "discipline", "other"]),
        st.integers(1, 40).map(lambda n: D(n) / 4),  # 0.25 .. 10
        st.dates(dt.date(2025, 11, 1), dt.date(2027, 2, 1)),
        st.booleans(),
    ),
    max_size=12,
).map(
    lambda rows: [Deduction(f"d{i}", kind, points, day, revoked) for i, (kind, points, day, revoked) in enumerate(rows)]
)

vetoes = st.lists(
    st.tuples(st.sampled_from(["work_safety", "environment"]), st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1))),
    max_size=4,
).map(lambda rows: [Veto(f"x{i}", category, day) for i, (category, day) in enumerate(rows)])


def outcome(score: UnitScore) -> tuple:
    """Everything a score publishes, exactly."""
    return (
        score.status,
        dict(score.components),
        score.survey_se,
        score.total_exact,
        score.total,
        score.grade,
        score.vetoed,
        score.award_eligible,
        sorted(score.missing),
    )


def facts(results, responses, deductions, vetoes) -> UnitFacts:
    return UnitFacts(
        results=tuple(results), responses=tuple(responses), deductions=tuple(deductions), vetoes=tuple(vetoes)
    )


@PROPERTY_SETTINGS
@given(responses=responses, deductions=deductions, vetoes=vetoes, data=st.data())
def test_score_does_not_depend_on_input_order(plan, responses, deductions, vetoes, data):
    base = {
        p: outcome(score_unit(plan, UNIT, facts(RESULTS, responses, deductions, vetoes), p)) for p in ("Y", "H1", "Q4")
    }
    shuffled = facts(
        data.draw(st.permutations(RESULTS)),
        data.draw(st.permutations(responses)),
        data.draw(st.permutations(deductions)),
        data.draw(st.permutations(vetoes)),
    )
    for period, expected in base.items():
        assert outcome(score_unit(plan, UNIT, shuffled, period)) == expected


def _with_copies(items: list, data: st.DataObject) -> list:
    """`items` with identical copies of some of them inserted at random places."""
    out = list(items)
    for item in data.draw(st.lists(st.sampled_from(items), max_size=10)) if items else ():
        out.insert(data.draw(st.integers(0, len(out))), item)
    return out


@PROPERTY_SETTINGS
@given(responses=responses, deductions=deductions, vetoes=vetoes, data=st.data())
def test_score_does_not_depend_on_repeated_deliveries(plan, responses, deductions, vetoes, data):
    expected = outcome(score_unit(plan, UNIT, facts(RESULTS, responses, deductions, vetoes)))
    repeated = facts(
        _with_copies(RESULTS, data),
        _with_copies(responses, data),
        _with_copies(deductions, data),
        _with_copies(vetoes, data),
    )
    assert outcome(score_unit(plan, UNIT, repeated)) == expected


@PROPERTY_SETTINGS
@given(responses=responses, deductions=deductions)
def test_explanation_adds_up(plan, responses, deductions):
    base = SurveyResponse("r-base", "final", "business", ("satisfied",))  # the survey is never missing
    score = score_unit(plan, UNIT, facts(RESULTS, [base, *responses], deductions, []))
    assert score.status == "final"
    lines = score.explanation.components
    assert score.total_exact == sum(line.contribution for line in lines)
    assert lines[3].score == min(D(3), sum(d.counted for d in lines[3].deductions))
    assert lines[2].score == 100 - sum(d.counted for d in lines[2].deductions)


def test_the_properties_can_fail(plan):
    """A different response (a changed answer) does change the score the properties compare."""
    one = [
        SurveyResponse("r1", "final", "resident", ("satisfied",)),
        SurveyResponse("r2", "final", "resident", ("dissatisfied",)),
    ]
    two = [one[0], SurveyResponse("r2", "final", "resident", ("basically_satisfied",))]
    assert outcome(score_unit(plan, UNIT, facts(RESULTS, one, [], []))) != outcome(
        score_unit(plan, UNIT, facts(RESULTS, two, [], []))
    )
    # and a second delivery of r2 that differs is ignored: the first counts
    assert outcome(score_unit(plan, UNIT, facts(RESULTS, one + two[1:], [], []))) == outcome(
        score_unit(plan, UNIT, facts(RESULTS, one, [], []))
    )

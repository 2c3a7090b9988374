"""Indicator methods, latest-confirmed-wins, targets, composites and missing leaves."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jixiao.rules.errors import ScoringError
from jixiao.rules.model import Band, Method, Part, Result
from services.scoring.domain.indicators import method_fraction

pytestmark = pytest.mark.unit

BANDS = Method("bands", bands=(Band(D(1), D(1)), Band(D("0.9"), D("0.8")), Band(D("0.75"), D("0.5"))))


def fraction(method: Method, target=D(100), max_points=D(5), **value) -> D:
    return method_fraction(method, Result("L", "Y", True, **value), target=target, max_points=max_points)


@pytest.mark.parametrize(
    ("method", "value", "target", "expected"),
    [
        (Method("ratio"), {"actual": D(80)}, D(100), D("0.8")),
        (Method("ratio"), {"actual": D(100)}, D(100), D(1)),
        (Method("ratio"), {"actual": D(130)}, D(100), D(1)),  # clamped
        (Method("ratio"), {"actual": D(-5)}, D(100), D(0)),  # clamped
        (Method("ratio"), {"actual": D(1)}, D(3), D(1) / D(3)),
        (Method("inverse_ratio"), {"actual": D(40)}, D(50), D(1)),
        (Method("inverse_ratio"), {"actual": D(50)}, D(50), D(1)),
        (Method("inverse_ratio"), {"actual": D(100)}, D(50), D("0.5")),
        (Method("inverse_ratio"), {"actual": D(80)}, D(60), D("0.75")),
        (BANDS, {"actual": D(100)}, D(100), D(1)),
        (BANDS, {"actual": D(150)}, D(100), D(1)),
        (BANDS, {"actual": D("99.99")}, D(100), D("0.8")),
        (BANDS, {"actual": D(90)}, D(100), D("0.8")),  # min ≤ c: the boundary is inside
        (BANDS, {"actual": D(18)}, D(20), D("0.8")),  # c = 0.9 from the unit's target
        (BANDS, {"actual": D(75)}, D(100), D("0.5")),
        (BANDS, {"actual": D("74.9")}, D(100), D(0)),  # no band: 0
        (Method("rating", ratings={"A": D(1), "B": D("0.85")}), {"rating": "B"}, None, D("0.85")),
        (Method("boolean"), {"done": True}, None, D(1)),
        (Method("boolean"), {"done": False}, None, D(0)),
        (Method("manual"), {"points": D("2.5")}, None, D("0.5")),
        (Method("manual"), {"points": D(0)}, None, D(0)),
        (Method("manual"), {"points": D(5)}, None, D(1)),
    ],
)
def test_method_fraction(method, value, target, expected):
    assert fraction(method, target=target, **value) == expected


@pytest.mark.parametrize(
    ("method", "value", "target"),
    [
        (Method("ratio"), {"actual": D(1)}, D(0)),  # target ≤ 0
        (Method("ratio"), {}, D(100)),  # no actual
        (Method("rating", ratings={"A": D(1)}), {"rating": "Z"}, None),
        (Method("manual"), {"points": D("5.01")}, None),
        (Method("manual"), {"points": D("-0.01")}, None),
        (Method("composite", parts=(Part("p", D(1), Method("boolean")),)), {"done": True}, None),
    ],
)
def test_method_fraction_refuses_bad_input(method, value, target):
    with pytest.raises(ScoringError):
        fraction(method, target=target, **value)


def test_indicator_score_is_points_over_max_points(sf):
    # village: L1 (10 points), L2 (5), L4 (5) apply; L3 is for agencies
    doc = sf.bundle(
        results=[sf.result("v1", "L1", actual=D(80)), sf.result("v1", "L2", rating="B")],
        survey_responses=sf.survey_for("v1"),
    )
    s = sf.score(doc)["v1"]
    assert s.components["indicators"] == D("52.5")  # 100 × (8 + 2.5 + 0) / 20
    assert s.missing == ("indicator:L4",)
    assert s.status == "final"  # missing results lower the score, nothing more
    assert s.total_exact == D("0.8") * D("52.5") + D("0.2") * D(100)


def test_no_counted_result_scores_zero_not_missing(sf):
    s = sf.score(sf.bundle(survey_responses=sf.survey_for("v1")))["v1"]
    assert s.components["indicators"] == 0
    assert s.status == "final"
    assert "component:indicators" not in s.missing
    assert sorted(s.missing) == ["indicator:L1", "indicator:L2", "indicator:L4"]


def test_unit_target_overrides_leaf_target(sf):
    doc = sf.bundle(
        targets=[{"unit": "v1", "indicator": "L1", "target": D(80)}],
        results=[sf.result("v1", "L1", actual=D(80)), sf.result("v2", "L1", actual=D(80))],
    )
    scores = sf.score(doc)
    assert scores["v1"].components["indicators"] == D(50)  # 10 / 20
    assert scores["v2"].components["indicators"] == D(40)  # 8 / 20 against the default 100


def test_latest_confirmed_result_wins(sf):
    doc = sf.bundle(
        results=[
            sf.result("v1", "L1", actual=D(90)),
            sf.result("v1", "L1", actual=D(100), confirmed=False),
            sf.result("v1", "L1", actual=D(70)),
        ]
    )
    assert sf.score(doc)["v1"].components["indicators"] == D(35)  # 7 / 20


def test_unconfirmed_never_replaces_confirmed(sf):
    doc = sf.bundle(
        results=[
            sf.result("v1", "L1", actual=D(80)),
            sf.result("v1", "L1", actual=D(100), confirmed=False),
            sf.result("v1", "L2", rating="A", confirmed=False),
        ]
    )
    s = sf.score(doc)["v1"]
    assert s.components["indicators"] == D(40)  # 8 / 20: L1 at 0.8, L2 not counted
    assert "indicator:L2" in s.missing and "indicator:L1" not in s.missing
    leaves = {leaf.indicator: leaf for leaf in s.explanation.components[0].leaves}
    assert leaves["L1"].pending and leaves["L1"].input == {"actual": D(80), "target": D(100)}
    assert leaves["L2"].pending and leaves["L2"].input is None


def test_results_of_another_period_do_not_count_for_the_year(sf):
    doc = sf.bundle(results=[sf.result("v1", "L1", period="Q1", actual=D(100))])
    assert sf.score(doc)["v1"].components["indicators"] == 0


def test_composite_parts_and_missing_parts(sf):
    doc = sf.bundle(
        results=[
            sf.result("a1", "L3", part="completion", actual=D(50)),  # 0.9 × 0.5
            sf.result("a1", "L1", actual=D(100)),
        ],
        survey_responses=sf.survey_for("a1"),
    )
    s = sf.score(doc)["a1"]
    # a1 has L1 (10), L2 (5), L3 (5), L4 (5) = 25 points; earned 10 + 5 × 0.45 = 12.25
    assert s.components["indicators"] == D("12.25") * 100 / 25
    assert sorted(s.missing) == ["indicator:L2", "indicator:L3#innovation", "indicator:L4"]
    parts = [leaf for leaf in s.explanation.components[0].leaves if leaf.indicator == "L3"]
    assert [(p.part, p.weight, p.fraction, p.points) for p in parts] == [
        ("completion", D("0.9"), D("0.5"), D("2.25")),
        ("innovation", D("0.1"), D(0), D(0)),
    ]


def test_composite_without_results_lists_every_part(sf):
    s = sf.score(sf.bundle())["a1"]
    assert "indicator:L3" not in s.missing
    assert {"indicator:L3#completion", "indicator:L3#innovation"} <= set(s.missing)


def test_composite_part_uses_unit_target_and_latest_confirmed(sf):
    doc = sf.bundle(
        targets=[{"unit": "a1", "indicator": "L3", "target": D(40)}],
        results=[
            sf.result("a1", "L3", part="completion", actual=D(10)),
            sf.result("a1", "L3", part="completion", actual=D(30)),
            sf.result("a1", "L3", part="innovation", done=True),
            sf.result("a1", "L3", part="innovation", done=False, confirmed=False),
        ],
    )
    parts = [leaf for leaf in sf.score(doc)["a1"].explanation.components[0].leaves if leaf.indicator == "L3"]
    assert [(p.fraction, p.points) for p in parts] == [(D("0.75"), D("3.375")), (D(1), D("0.5"))]
    assert parts[1].pending

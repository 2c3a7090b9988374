"""The progress method in the plan contract: how it is read, what the plan checks (with JSON paths),
and that nobody can type a result for a progress leaf or part."""

from __future__ import annotations

import copy
from decimal import Decimal as D
from typing import Any

import pytest

from jixiao.rules.bundle import parse_bundle
from jixiao.rules.errors import BundleError, PlanError
from jixiao.rules.model import Band
from jixiao.rules.plan import parse_plan

pytestmark = pytest.mark.unit

STEPS = [{"min": D("0.05"), "fraction": D(1)}, {"min": D(0), "fraction": D("0.5")}, {"min": None, "fraction": D(0)}]
PLAN: dict[str, Any] = {
    "id": "p-2026",
    "name": "p",
    "year": 2026,
    "previous_plan": "p-2025",
    "components": [{"key": "work", "type": "indicators", "weight": D(1)}],
    "grade_bands": [{"grade": "a", "label": "A", "min": D(90)}, {"grade": "b", "label": "B", "min": None}],
    "awards": {"eligible_grades": ["a"]},
    "veto": {"categories": [], "grade": None},
}


def nodes() -> list[dict[str, Any]]:
    return [
        {"id": "R", "name": "r", "parent": None, "max_points": D(10), "target": D(100), "method": {"type": "ratio"}},
        {"id": "B", "name": "b", "parent": None, "max_points": D(2), "method": {"type": "boolean"}},
        {
            "id": "C",
            "name": "c",
            "parent": None,
            "max_points": D(10),
            "target": D(50),
            "method": {
                "type": "composite",
                "parts": [
                    {"key": "completion", "weight": D("0.95"), "method": {"type": "inverse_ratio"}},
                    {
                        "key": "progress",
                        "weight": D("0.05"),
                        "method": {"type": "progress", "of": "C#completion", "bands": STEPS},
                    },
                ],
            },
        },
        {
            "id": "P",
            "name": "p",
            "parent": None,
            "max_points": D(5),
            "method": {"type": "progress", "of": "R", "bands": STEPS},
        },
    ]


def problems(plan: dict | None = None, indicators: list | None = None) -> list[tuple[str, str]]:
    with pytest.raises(PlanError) as info:
        parse_plan(plan or copy.deepcopy(PLAN), indicators if indicators is not None else nodes())
    return [(p.path, p.message) for p in info.value.problems]


def test_a_progress_leaf_and_part_are_read():
    plan = parse_plan(copy.deepcopy(PLAN), nodes())
    method = plan.indicators["P"].method
    assert (plan.previous_plan, method.of, method.missing_fraction) == ("p-2025", "R", None)
    assert method.bands == (Band(D("0.05"), D(1)), Band(D(0), D("0.5")), Band(None, D(0)))
    assert plan.progress_refs() == {"R", "C#completion"}
    assert not method.needs_target


def test_progress_needs_the_previous_plan():
    plan = {k: v for k, v in PLAN.items() if k != "previous_plan"}
    assert problems(plan) == [
        ("$.plan.previous_plan", "is required: indicator(s) 'C', 'P' score progress over the previous plan")
    ]


def test_a_plan_is_not_its_own_previous_plan():
    assert problems({**PLAN, "previous_plan": "p-2026"}) == [
        ("$.plan.previous_plan", "a plan cannot be its own previous plan ('p-2026')")
    ]


@pytest.mark.parametrize(
    ("of", "message"),
    [
        ("NOPE", "unknown leaf or composite part 'NOPE'"),
        ("C#nope", "unknown leaf or composite part 'C#nope'"),
        ("B", "'B' has a boolean method; progress compares a completion ratio (bands, inverse_ratio, ratio)"),
        ("P", "'P' has a progress method; progress compares a completion ratio (bands, inverse_ratio, ratio)"),
        ("C", "'C' has a composite method; progress compares a completion ratio (bands, inverse_ratio, ratio)"),
    ],
)
def test_what_a_progress_method_may_compare(of, message):
    items = nodes()
    items[3]["method"]["of"] = of
    assert problems(indicators=items) == [("$.indicators[3].method.of", message)]


def test_the_compared_leaf_must_apply_wherever_the_progress_leaf_does():
    items = nodes()
    items[0]["applies_to"] = ["village"]
    assert problems(indicators=items) == [
        ("$.indicators[3].method.of", "'R' does not apply to every unit kind that 'P' applies to")
    ]
    items[3]["applies_to"] = ["village"]
    parse_plan(copy.deepcopy(PLAN), items)  # a subset is fine


@pytest.mark.parametrize(
    ("bands", "path", "message"),
    [
        (
            [{"min": D(0), "fraction": D(1)}],
            "$.indicators[3].method.bands[0].min",
            "the last band must have min null (the catch-all)",
        ),
        (
            [{"min": None, "fraction": D(1)}, {"min": None, "fraction": D(0)}],
            "$.indicators[3].method.bands[0].min",
            "only the last band may have min null (the catch-all)",
        ),
        (
            [{"min": D(0), "fraction": D(1)}, {"min": D("0.1"), "fraction": D(1)}, {"min": None, "fraction": D(0)}],
            "$.indicators[3].method.bands[1].min",
            "bands must be ordered from the highest min down: 0.1 is not below 0",
        ),
        ([{"min": None, "fraction": D("1.5")}], "$.indicators[3].method.bands[0].fraction", None),
        ([], "$.indicators[3].method.bands", "a progress method needs bands ending with a catch-all (min: null)"),
    ],
)
def test_progress_bands_are_checked(bands, path, message):
    items = nodes()
    items[3]["method"]["bands"] = bands
    got = problems(indicators=items)
    assert [p for p, _ in got] == [path]
    if message:
        assert got[0][1] == message


def test_negative_band_minimums_are_allowed():
    items = nodes()
    items[3]["method"]["bands"] = [
        {"min": D(0), "fraction": D(1)},
        {"min": D("-0.1"), "fraction": D("0.5")},
        {"min": None, "fraction": D(0)},
    ]
    assert parse_plan(copy.deepcopy(PLAN), items).indicators["P"].method.bands[1].min == D("-0.1")


def test_missing_fraction_is_a_fraction():
    items = nodes()
    items[3]["method"]["missing_fraction"] = D("1.01")
    assert [p for p, _ in problems(indicators=items)] == ["$.indicators[3].method.missing_fraction"]


# --- nobody types a progress result ---------------------------------------------------------------


def bundle(results: list[dict]) -> dict[str, Any]:
    return {
        "format": "jixiao.bundle/v1",
        "plan": copy.deepcopy(PLAN),
        "indicators": nodes(),
        "units": [{"id": "u1", "name": "u", "kind": "k"}],
        "results": results,
    }


def bundle_problems(results: list[dict]) -> list[tuple[str, str]]:
    with pytest.raises(BundleError) as info:
        parse_bundle(bundle(results))
    return [(p.path, p.message) for p in info.value.problems]


def test_a_typed_result_for_a_progress_leaf_is_refused():
    assert bundle_problems(
        [
            {"unit": "u1", "indicator": "R", "period": "Y", "actual": D(90), "confirmed": True},
            {"unit": "u1", "indicator": "P", "period": "Y", "actual": D(1), "confirmed": True},
        ]
    ) == [
        (
            "$.results[1].indicator",
            "indicator 'P' is scored by the progress method from the results of 'R' this year and last year;"
            " its result is computed, never entered",
        )
    ]


def test_a_typed_result_for_a_progress_part_is_refused():
    assert bundle_problems(
        [{"unit": "u1", "indicator": "C", "part": "progress", "period": "Y", "rating": "x", "confirmed": False}]
    ) == [
        (
            "$.results[0].part",
            "indicator 'C#progress' is scored by the progress method from the results of 'C#completion' this year"
            " and last year; its result is computed, never entered",
        )
    ]


def test_results_of_the_compared_slots_are_accepted():
    parse_bundle(
        bundle(
            [
                {"unit": "u1", "indicator": "R", "period": "Y", "actual": D(90), "confirmed": True},
                {
                    "unit": "u1",
                    "indicator": "C",
                    "part": "completion",
                    "period": "Y",
                    "actual": D(40),
                    "confirmed": True,
                },
            ]
        )
    )

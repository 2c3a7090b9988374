"""Small hand-checkable bundles for the scoring tests (numbers are Decimals, as parsed JSON).

Tests get these builders through the `sf` fixture (the suite imports in importlib mode, so test
modules do not import each other).
"""

from __future__ import annotations

import copy
import sys
from decimal import Decimal as D
from typing import Any

import pytest

from jixiao.rules.bundle import parse_bundle
from services.scoring.domain.grading import score_bundle
from services.scoring.domain.model import UnitScore

BANDS = [
    {"grade": "excellent", "label": "优", "min": D(90)},
    {"grade": "good", "label": "良", "min": D(85)},
    {"grade": "fair", "label": "一般", "min": D(75)},
    {"grade": "poor", "label": "差", "min": None},
]

PLAN: dict[str, Any] = {
    "id": "t-2026",
    "name": "测试方案",
    "year": 2026,
    "components": [
        {"key": "indicators", "type": "indicators", "weight": D("0.8")},
        {"key": "survey", "type": "survey", "weight": D("0.2")},
        {"key": "inspection", "type": "penalty", "kinds": ["inspection"], "cap": D(3)},
    ],
    "grade_bands": BANDS,
    "awards": {"eligible_grades": ["excellent", "good"]},
    "veto": {"categories": ["work_safety", "environment"], "grade": None},
    "survey": {
        "rounds": [
            {"id": "mid", "weight": D("0.5"), "period": "H1"},
            {"id": "final", "weight": D("0.5"), "period": "Y"},
        ],
        "strata": {"resident": D("0.6"), "business": D("0.4")},
        "answer_scores": {"satisfied": D(100), "basically_satisfied": D(80), "dissatisfied": D(0)},
    },
}

# $.indicators[0] is a group; L1..L4 apply to every kind, L3 (composite) only to agencies.
INDICATORS: list[dict[str, Any]] = [
    {"id": "G", "name": "一级指标", "parent": None},
    {"id": "L1", "name": "比率", "parent": "G", "max_points": D(10), "target": D(100), "method": {"type": "ratio"}},
    {
        "id": "L2",
        "name": "评级",
        "parent": "G",
        "max_points": D(5),
        "method": {"type": "rating", "ratings": {"A": D(1), "B": D("0.5")}},
    },
    {
        "id": "L3",
        "name": "综合",
        "parent": "G",
        "max_points": D(5),
        "target": D(100),
        "applies_to": ["agency"],
        "method": {
            "type": "composite",
            "parts": [
                {"key": "completion", "weight": D("0.9"), "method": {"type": "ratio"}},
                {"key": "innovation", "weight": D("0.1"), "method": {"type": "boolean"}},
            ],
        },
    },
    {"id": "L4", "name": "手工", "parent": "G", "max_points": D(5), "method": {"type": "manual"}},
]

UNITS: list[dict[str, Any]] = [
    {"id": "v1", "name": "一村", "kind": "village", "group": "villages"},
    {"id": "v2", "name": "二村", "kind": "village", "group": "villages"},
    {"id": "a1", "name": "甲所", "kind": "agency"},
]

# a manual-only, indicators-only plan: a unit's total is exactly the points it is given
MANUAL_PLAN: dict[str, Any] = {
    **PLAN,
    "components": [{"key": "indicators", "type": "indicators", "weight": D(1)}],
}
MANUAL_INDICATORS = [{"id": "M", "name": "手工", "parent": None, "max_points": D(100), "method": {"type": "manual"}}]


def bundle(
    *,
    plan: dict | None = None,
    indicators: list | None = None,
    units: list | None = None,
    **records: list,
) -> dict[str, Any]:
    """A bundle dict from the defaults above and the given record lists."""
    doc: dict[str, Any] = {
        "format": "jixiao.bundle/v1",
        "plan": copy.deepcopy(plan if plan is not None else PLAN),
        "units": copy.deepcopy(units if units is not None else UNITS),
        "indicators": copy.deepcopy(indicators if indicators is not None else INDICATORS),
    }
    for key in ("targets", "results", "survey_strata", "survey_responses", "deductions", "vetoes"):
        doc[key] = copy.deepcopy(records.pop(key, []))
    assert not records, f"unknown record lists {sorted(records)}"
    return doc


def score(doc: dict[str, Any], period: str = "Y") -> dict[str, UnitScore]:
    """Parse and score a bundle dict; the scores by unit id."""
    return {s.unit: s for s in score_bundle(parse_bundle(doc), period)}


def result(unit: str, indicator: str, period: str = "Y", confirmed: bool = True, **value: Any) -> dict[str, Any]:
    """A result record."""
    return {"unit": unit, "indicator": indicator, "period": period, "confirmed": confirmed, **value}


def response(rid: str, unit: str, rnd: str, stratum: str, *answers: str | None) -> dict[str, Any]:
    """A survey response record."""
    return {"id": rid, "unit": unit, "round": rnd, "stratum": stratum, "mode": "phone", "answers": list(answers)}


def deduction(did: str, unit: str, points: Any, date: str = "2026-05-01", kind: str = "inspection", revoked: bool = False) -> dict[str, Any]:
    """A deduction record."""
    return {"id": did, "unit": unit, "kind": kind, "points": D(str(points)), "date": date, "revoked": revoked}


def manual(unit: str, points: str) -> dict[str, Any]:
    """A confirmed manual result for MANUAL_PLAN's only leaf."""
    return result(unit, "M", points=D(points))


def survey_for(unit: str, prefix: str = "") -> list[dict[str, Any]]:
    """One satisfied resident in each round: survey score exactly 100."""
    return [
        response(f"{prefix}{unit}-mid", unit, "mid", "resident", "satisfied"),
        response(f"{prefix}{unit}-final", unit, "final", "resident", "satisfied"),
    ]


@pytest.fixture(scope="session")
def sf():
    """The scoring test builders of this module (bundle, score, result, response, ...)."""
    return sys.modules[__name__]

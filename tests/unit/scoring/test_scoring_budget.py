"""Financial efficiency (财政资金效率): a budget_execution leaf scores min(spent / budget, 1), or
the plan's bands on spent / budget; amounts are checked at the edge; the amounts reach scoring
through IndicatorResultConfirmed (docs/plan-rules.md)."""

from __future__ import annotations

import copy
from decimal import Decimal as D
from typing import Any

import pytest

from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.rules.bundle import parse_bundle
from jixiao.rules.errors import BundleError, ScoringError
from jixiao.rules.model import Band, Method, Result
from services.scoring.adapters.source_events import apply_event
from services.scoring.domain.grading import score_bundle
from services.scoring.domain.indicators import method_fraction
from services.scoring.service.recompute import Touched, recompute_touched

pytestmark = pytest.mark.unit

PLAIN = Method("budget_execution")
BANDED = Method("budget_execution", bands=(Band(D("0.95"), D(1)), Band(D("0.8"), D("0.6"))))


def fraction(method: Method, budget, spent) -> D:
    return method_fraction(
        method, Result("F", "Y", True, budget=D(budget), spent=D(spent)), target=None, max_points=D(5)
    )


@pytest.mark.parametrize(
    ("method", "budget", "spent", "expected"),
    [
        (PLAIN, 1200, 1080, D("0.9")),
        (PLAIN, 1200, 1200, D(1)),
        (PLAIN, 1200, 1500, D(1)),  # spending over the budget earns no more than all of it
        (PLAIN, 1200, 0, D(0)),
        (PLAIN, 3, 1, D(1) / D(3)),
        (BANDED, 100, 95, D(1)),  # min ≤ execution: the edge is inside
        (BANDED, 100, D("94.99"), D("0.6")),
        (BANDED, 100, 80, D("0.6")),
        (BANDED, 100, D("79.99"), D(0)),  # below every band: 0
    ],
)
def test_budget_execution_fraction(method, budget, spent, expected):
    assert fraction(method, budget, spent) == expected


@pytest.mark.parametrize(("budget", "spent"), [(0, 1), (100, -1)])
def test_the_rule_refuses_impossible_amounts(budget, spent):
    with pytest.raises(ScoringError):
        fraction(PLAIN, budget, spent)


PLAN: dict[str, Any] = {
    "id": "pb-2026",
    "name": "国土局",
    "year": 2026,
    "components": [{"key": "work", "type": "indicators", "weight": D(1)}],
    "grade_bands": [
        {"grade": "pass", "label": "合格", "min": D(75)},
        {"grade": "fail", "label": "不合格", "min": None},
    ],
    "awards": {"eligible_grades": ["pass"]},
    "veto": {"categories": [], "grade": None},
}
INDICATORS = [
    {"id": "F", "name": "财政资金执行率", "parent": None, "max_points": D(4), "method": {"type": "budget_execution"}},
    {"id": "R", "name": "完成率", "parent": None, "max_points": D(6), "target": D(100), "method": {"type": "ratio"}},
]


def bundle(*results: dict) -> dict[str, Any]:
    return {
        "format": "jixiao.bundle/v1",
        "plan": copy.deepcopy(PLAN),
        "indicators": copy.deepcopy(INDICATORS),
        "units": [{"id": "u1", "name": "股室", "kind": "section"}],
        "results": list(results),
    }


def budget(**fields) -> dict[str, Any]:
    return {"unit": "u1", "indicator": "F", "period": "Y", "confirmed": True, **fields}


def test_a_unit_total_with_its_explanation():
    # F: 1080/1200 = 0.9 of 4 → 3.6; R: 90/100 of 6 → 5.4; 9 of 10 → 90.00
    doc = bundle(budget(budget=D(1200), spent=D(1080)), {**budget(), "indicator": "R", "actual": D(90)})
    (score,) = score_bundle(parse_bundle(doc))
    leaf = score.explanation.components[0].leaves[0]
    assert (score.total, leaf.fraction, dict(leaf.input)) == (
        D("90.00"),
        D("0.9"),
        {"budget": D(1200), "spent": D(1080), "execution": D("0.9")},
    )


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"budget": D(0), "spent": D(1)}, [("budget", "must be > 0, not 0")]),
        ({"budget": D(100), "spent": D(-1)}, [("spent", "must be 0 or more, not -1")]),
        ({"budget": D(100)}, [("spent", "is required")]),
        ({"actual": D(5)}, [("budget", "is required"), ("spent", "is required")]),
        ({"budget": D("1E+15"), "spent": D(1)}, [("budget", "must be smaller than 1E+15 in magnitude")]),
        ({"budget": D(100), "spent": D("0.1234567890123")}, [("spent", "must have at most 12 decimal places")]),
        ({"budget": 100.5, "spent": D(1)}, None),  # a binary float is refused (decimals only)
    ],
)
def test_amounts_are_checked_at_the_edge(fields, problems):
    with pytest.raises(BundleError) as info:
        parse_bundle(bundle(budget(**fields)))
    got = [(p.path.removeprefix("$.results[0]."), p.message) for p in info.value.problems]
    if problems is None:
        assert [path for path, _ in got] == ["budget"]
    else:
        assert got == problems


def test_bands_on_the_execution_rate_are_checked_like_bands():
    doc = bundle()
    doc["indicators"][0]["method"]["bands"] = [
        {"min": D("0.8"), "fraction": D("0.6")},
        {"min": D("0.9"), "fraction": D(1)},
    ]
    with pytest.raises(BundleError) as info:
        parse_bundle(doc)
    assert [p.path for p in info.value.problems] == ["$.indicators[0].method.bands[1].min"]


# --- through the scoring service (fakes): IndicatorResultConfirmed carries both amounts -------------


def confirmed(budget_text: str, spent_text: str):
    return make_envelope(
        source="indicators",
        plan_id="t-2026",
        unit_id="v1",
        aggregate_id="v1:F@Y",
        version=1,
        payload=indicators_pb2.IndicatorResultConfirmed(
            plan_id="t-2026",
            unit_id="v1",
            indicator_id="F",
            period="Y",
            result_id="v1:F@Y",
            version=1,
            budget_spent=indicators_pb2.BudgetSpent(budget=budget_text, spent=spent_text),
            confirmed=True,
            confirmed_by="assessor",
        ),
    )


async def test_the_event_reaches_the_score(sf, store, deps):
    indicators = [
        {"id": "F", "name": "执行率", "parent": None, "max_points": D(100), "method": {"type": "budget_execution"}}
    ]
    async with deps.uow_factory() as uow:
        touched = Touched()
        for env in [
            sf.plan_published(sf.MANUAL_PLAN, indicators),
            sf.unit_upserted(sf.UNITS[0]),
            confirmed("1200", "1086"),
        ]:
            touch = await apply_event(uow.repo, env)
            if touch is not None:
                touched.add(touch, env)
        await recompute_touched(deps, uow, touched)
        await uow.commit()
    assert store.state.scores[("t-2026", "v1", "Y")].total == D("90.50")  # 1086 / 1200 = 0.905

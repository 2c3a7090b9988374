"""Progress leaves in indicators: the plan's `previous_plan` travels in PlanPublished, and nobody can
enter, import or upload a result for a progress leaf or part (the rules compute it)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import payload_of
from jixiao.rules.plan import parse_plan_json
from services.indicators.service import excel
from services.indicators.service import handlers as h

pytestmark = pytest.mark.unit
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
STEPS = [{"min": D("0.05"), "fraction": D(1)}, {"min": None, "fraction": D(0)}]
DOC: dict[str, Any] = {
    "plan": {
        "id": "sl-2026",
        "name": "水利局2026",
        "year": 2026,
        "previous_plan": "sl-2025",
        "components": [{"key": "work", "type": "indicators", "weight": D(1)}],
        "grade_bands": [
            {"grade": "pass", "label": "合格", "min": D(75)},
            {"grade": "fail", "label": "不合格", "min": None},
        ],
        "awards": {"eligible_grades": ["pass"]},
        "veto": {"categories": [], "grade": None},
    },
    "indicators": [
        {
            "id": "R",
            "name": "完成率",
            "parent": None,
            "max_points": D(9),
            "target": D(100),
            "method": {"type": "ratio"},
        },
        {
            "id": "P",
            "name": "进步",
            "parent": None,
            "max_points": D(1),
            "method": {"type": "progress", "of": "R", "bands": STEPS},
        },
        {
            "id": "C",
            "name": "综合",
            "parent": None,
            "max_points": D(10),
            "target": D(40),
            "method": {
                "type": "composite",
                "parts": [
                    {"key": "completion", "weight": D("0.95"), "method": {"type": "ratio"}},
                    {
                        "key": "progress",
                        "weight": D("0.05"),
                        "method": {"type": "progress", "of": "C#completion", "bands": STEPS},
                    },
                ],
            },
        },
    ],
    "units": [{"id": "s01", "name": "办公室", "kind": "section"}],
    "targets": [],
    "results": [],
}


@pytest.fixture
def doc() -> dict[str, Any]:
    return copy.deepcopy(DOC)


async def test_the_published_plan_carries_previous_plan(uow, doc):
    await h.import_bundle(uow, doc, NOW)
    published = next(payload_of(e) for e in uow.published if e.type == "PlanPublished")
    assert parse_plan_json(published.plan_json).previous_plan == "sl-2025"


async def test_entering_a_progress_result_is_refused_naming_the_leaf(uow, doc):
    await h.import_bundle(uow, doc, NOW)
    with pytest.raises(InvalidInput) as exc:
        await h.enter_result(uow, "sl-2026", "s01", "P", None, "Y", {"actual": D(1)}, None)
    assert [p.path for p in exc.value.problems] == ["indicator"]
    assert "indicator 'P' is scored by the progress method" in exc.value.problems[0].message
    with pytest.raises(InvalidInput) as exc:
        await h.enter_result(uow, "sl-2026", "s01", "C", "progress", "Y", {"rating": "marked"}, None)
    assert [p.path for p in exc.value.problems] == ["part"]
    assert "'C#progress'" in exc.value.problems[0].message
    ok = await h.enter_result(uow, "sl-2026", "s01", "R", None, "Y", {"actual": D(90)}, None)
    assert ok.reported == {"actual": D(90)}


async def test_importing_a_progress_result_is_refused_and_stores_nothing(uow, doc):
    doc["results"] = [{"unit": "s01", "indicator": "P", "period": "Y", "actual": D(1), "confirmed": True}]
    with pytest.raises(InvalidInput) as exc:
        await h.import_bundle(uow, doc, NOW)
    assert [p.path for p in exc.value.problems] == ["$.results[0].indicator"]
    assert uow.published == []


async def test_the_excel_template_has_no_progress_rows(uow, doc):
    await h.import_bundle(uow, doc, NOW)
    plan = await h.get_plan(uow, "sl-2026")
    unit = await h.get_unit(uow, plan.id, "s01")
    rows = excel.template_rows(plan, unit, [], {})
    assert [(r["indicator"], r["part"]) for r in rows] == [("R", None), ("C", "completion")]

"""Budget execution results in indicators: both amounts entered together, checked by the rules
(naming the field), confirmed as IndicatorResultConfirmed.budget_spent, one `budget/spent` cell in
the Excel template."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import payload_of
from services.indicators.domain import rules
from services.indicators.service import excel
from services.indicators.service import handlers as h

pytestmark = pytest.mark.unit
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
DOC: dict[str, Any] = {
    "plan": {
        "id": "pb-2026",
        "name": "国土局2026",
        "year": 2026,
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
            "id": "F",
            "name": "财政资金执行率",
            "parent": None,
            "max_points": D(4),
            "method": {"type": "budget_execution"},
        },
        {
            "id": "R",
            "name": "完成率",
            "parent": None,
            "max_points": D(6),
            "target": D(100),
            "method": {"type": "ratio"},
        },
    ],
    "units": [{"id": "g1", "name": "财务股", "kind": "section"}],
    "targets": [],
    "results": [],
}


@pytest.fixture
async def plan(uow):
    await h.import_bundle(uow, copy.deepcopy(DOC), NOW)
    return "pb-2026"


async def test_both_amounts_are_entered_confirmed_and_published(uow, plan):
    r = await h.enter_result(uow, plan, "g1", "F", None, "Y", {"budget": D(1200), "spent": D("1086.5")}, None)
    r = await h.submit_result(uow, r.id, r.revision)
    await h.confirm_result(uow, r.id, r.revision, "张三")
    event = payload_of(uow.published[-1])
    assert (event.WhichOneof("value"), event.budget_spent.budget, event.budget_spent.spent) == (
        "budget_spent",
        "1200",
        "1086.5",
    )


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ({"budget": D(0), "spent": D(5)}, "budget", "must be > 0, not 0"),
        ({"budget": D(10), "spent": D(-5)}, "spent", "must be 0 or more, not -5"),
        ({"budget": D(10)}, "spent", "is required"),
        ({"actual": D(10)}, "budget", "is required"),
    ],
)
async def test_bad_amounts_are_refused_naming_the_field(uow, plan, value, field, message):
    with pytest.raises(InvalidInput) as exc:
        await h.enter_result(uow, plan, "g1", "F", None, "Y", value, None)
    assert (exc.value.problems[0].path, exc.value.problems[0].message) == (field, message)


def test_amounts_do_not_mix_with_another_value_field():
    # what the REST routes and the import read a record's value with
    assert rules.value_of({"budget": D(1), "spent": D(2), "comment": "x"}) == {"budget": D(1), "spent": D(2)}
    with pytest.raises(InvalidInput) as exc:
        rules.value_of({"budget": D(1), "spent": D(1), "actual": D(1)})
    assert "budget and spent together" in exc.value.detail
    assert sorted(p.path for p in exc.value.problems) == ["actual", "budget", "spent"]


async def test_the_template_has_one_budget_spent_cell(uow, plan):
    p = await h.get_plan(uow, plan)
    unit = await h.get_unit(uow, plan, "g1")
    stored = await h.enter_result(uow, plan, "g1", "F", None, "Y", {"budget": D(1200), "spent": D(1080)}, None)
    rows = {r["indicator"]: r for r in excel.template_rows(p, unit, [], {("F", ""): stored})}
    assert (rows["F"]["field"], rows["F"]["allowed"], rows["F"]["value"]) == (
        "budget/spent",
        "预算/支出 budget/spent",
        "1200/1080",
    )
    assert excel._value("budget/spent", "1200/1080.5") == {"budget": D(1200), "spent": D("1080.5")}
    with pytest.raises(ValueError, match="must be budget/spent"):
        excel._value("budget/spent", "1200")
    with pytest.raises(ValueError, match="must be a number"):
        excel._value("budget/spent", "一千/800")


async def test_an_uploaded_template_carries_both_amounts(uow, plan):
    import io

    from openpyxl import load_workbook

    from services.indicators.adapters import excel as sheets

    wb = load_workbook(io.BytesIO(await excel.download_template(uow, plan, "g1", "Y")))
    ws = wb[sheets.ENTRY_SHEET]

    async def upload(f_cell):
        for row in range(2, ws.max_row + 1):
            leaf = ws[f"{sheets.COL['indicator']}{row}"].value
            ws[f"{sheets.COL['value']}{row}"] = {"F": f_cell, "R": 90}[leaf]
        out = io.BytesIO()
        wb.save(out)
        return await excel.upload_template(uow, plan, "g1", "Y", out.getvalue(), "财务股", NOW)

    with pytest.raises(InvalidInput) as exc:
        await upload("0/5")  # a budget of 0: the cell is named, nothing is stored
    assert [p.message.split(": ", 1)[1] for p in exc.value.problems] == ["must be > 0, not 0"]
    assert await uow.results.find(plan_id=plan, unit_id="g1", period="Y") == []
    assert (await upload("1200/1080.5"))["submitted"] == 2
    stored = {r.indicator_id: r.reported for r in await uow.results.find(plan_id=plan, unit_id="g1", period="Y")}
    assert stored["F"] == {"budget": D(1200), "spent": D("1080.5")}

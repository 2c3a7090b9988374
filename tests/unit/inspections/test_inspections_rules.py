"""Pure rules: ledger totals with the cap beside them, periods, leave eligibility, import validation."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from jixiao.errors import InvalidInput
from jixiao.samples import BAILIAN_BUNDLE
from services.inspections.domain import rules
from services.inspections.domain.imports import validate_import
from services.inspections.domain.model import Deduction, Leave, PlanSettings, dec_str

pytestmark = pytest.mark.unit
D = Decimal
BUNDLE = BAILIAN_BUNDLE


def ded(i, unit, points, day="2026-05-01", kind="inspection", status="active"):
    return Deduction("p", f"d{i}", unit, kind, D(points), date.fromisoformat(day), status=status)


def test_ledger_keeps_the_truth_and_shows_the_cap_beside_it():
    settings = PlanSettings("p", 2026, kinds={"inspection": D("3"), "discipline": None})
    ds = [
        ded(1, "u1", "2", "2026-03-01"),
        ded(2, "u1", "1.5", "2026-01-01"),
        ded(3, "u1", "2.5", "2026-06-01"),
        ded(4, "u1", "9", "2026-02-01", status="revoked"),
        ded(5, "u2", "0.5", kind="discipline"),
    ]
    lines, totals = rules.ledger(ds, settings)
    t = {(x.unit_id, x.kind): x for x in totals}
    assert t["u1", "inspection"].total == D("6") and t["u1", "inspection"].cap == D("3")
    assert t["u1", "inspection"].over_cap and (t["u1", "inspection"].active, t["u1", "inspection"].revoked) == (3, 1)
    assert t["u2", "discipline"].cap is None and not t["u2", "discipline"].over_cap
    running = [(x.deduction.id, x.running_total) for x in lines if x.deduction.unit_id == "u1"]
    assert running == [("d2", D("1.5")), ("d4", D("1.5")), ("d1", D("3.5")), ("d3", D("6"))]


def test_dec_str_is_plain():
    assert [dec_str(D(x)) for x in ("6.00", "0.50", "600", "1E+1")] == ["6", "0.5", "600", "10"]


@pytest.mark.parametrize(
    "period,expected",
    [
        ("Q1", ("2026-01-01", "2026-03-31")),
        ("H1", ("2026-01-01", "2026-06-30")),
        ("Q4", ("2026-10-01", "2026-12-31")),
        ("Y", ("2026-01-01", "2026-12-31")),
    ],
)
def test_period_range(period, expected):
    assert rules.period_range(2026, period) == tuple(date.fromisoformat(x) for x in expected)
    assert rules.period_range(2026, "") is None
    with pytest.raises(ValueError):
        rules.period_range(2026, "Q5")


def leave(person, start, end, unit="s1"):
    return Leave("p", f"{person}{start}", unit, person, date.fromisoformat(start), date.fromisoformat(end))


def test_leave_thresholds_are_strictly_more_than_15_and_30_days():
    statuses = {
        s.person: s
        for s in rules.leave_status(
            [
                leave("a", "2026-03-01", "2026-03-15"),  # exactly 15: eligible
                leave("b", "2026-03-01", "2026-03-16"),  # 16 consecutive
                leave("c", "2026-03-01", "2026-03-10"),
                leave("c", "2026-03-11", "2026-03-16"),  # adjoining: one spell of 16
                leave("d", "2026-01-01", "2026-01-10"),
                leave("d", "2026-04-01", "2026-04-10"),
                leave("d", "2026-07-01", "2026-07-10"),  # 30 cumulative: eligible
                leave("e", "2026-01-01", "2026-01-10"),
                leave("e", "2026-04-01", "2026-04-10"),
                leave("e", "2026-07-01", "2026-07-11"),  # 31 cumulative
                leave("f", "2025-12-20", "2026-01-05"),
                leave("f", "2026-01-03", "2026-01-04"),  # clipped to the year, overlap
            ],
            2026,
        )
    }
    assert statuses["a"].eligible_for_excellence
    assert not statuses["b"].eligible_for_excellence and statuses["b"].longest_consecutive_days == 16
    assert not statuses["c"].eligible_for_excellence
    assert statuses["d"].eligible_for_excellence and statuses["d"].cumulative_days == 30
    assert not statuses["e"].eligible_for_excellence and "31 days" in statuses["e"].reasons[0]
    assert statuses["f"].cumulative_days == 5 and statuses["f"].eligible_for_excellence


def load_bundle() -> dict:
    return json.loads(BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)


def test_the_example_bundle_validates_with_exact_decimals():
    batch = validate_import(load_bundle())
    assert batch.settings.plan_id == "bailian-2026" and batch.settings.year == 2026
    assert batch.settings.cap_of("inspection") == D("3")
    assert len(batch.deductions) == 39 and sum(r.revoked for r in batch.deductions) == 6
    assert len(batch.vetoes) == 2 and len(batch.units) == 37
    d4 = next(r for r in batch.deductions if r.id == "d4")
    assert d4.points == D("1.5") and isinstance(d4.points, Decimal)


def test_every_problem_is_reported_with_its_path():
    doc = load_bundle()
    doc["deductions"][0]["points"] = 0
    doc["deductions"][1]["unit"] = "nowhere"
    doc["deductions"][2]["date"] = "2026-13-01"
    doc["deductions"][3]["points"] = True
    doc["vetoes"][0]["category"] = "football"
    with pytest.raises(InvalidInput) as err:
        validate_import(doc)
    paths = {p.path for p in err.value.problems}
    assert paths == {
        "$.deductions[0].points",
        "$.deductions[1].unit",
        "$.deductions[2].date",
        "$.deductions[3].points",
        "$.vetoes[0].category",
    }


def test_the_last_record_of_an_id_stands():
    doc = {
        "plan": {"id": "p", "year": 2026, "veto": {"categories": []}, "components": []},
        "units": [{"id": "u1"}],
        "deductions": [
            {"id": "x", "unit": "u1", "kind": "inspection", "points": 1, "date": "2026-01-02"},
            {"id": "x", "unit": "u1", "kind": "inspection", "points": 1, "date": "2026-01-02", "revoked": True},
        ],
    }
    batch = validate_import(doc)
    assert [(r.id, r.revoked) for r in batch.deductions] == [("x", True)] and batch.duplicate_ids == ["x"]

"""Progress over last year (绩效进步, docs/plan-rules.md): band edges, the inverse direction, a
composite's progress part, a missing year, only confirmed results of last year, and the offline
command with two bundles."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
from decimal import Decimal as D
from typing import Any

import pytest

from jixiao.rules.bundle import parse_bundle
from jixiao.rules.decimals import round2
from jixiao.rules.errors import ScoringError
from jixiao.rules.exactjson import dumps
from services.scoring.domain.grading import score_bundle
from services.scoring.domain.progress import with_previous
from services.scoring.entrypoints.offline import score_command

pytestmark = pytest.mark.unit

STEPS = [
    {"min": D("0.1"), "fraction": D(1)},  # ≥ 10 percentage points better than last year
    {"min": D(0), "fraction": D("0.5")},  # at least as good
    {"min": None, "fraction": D(0)},  # worse
]


def plan(plan_id: str, year: int, previous: str | None) -> dict[str, Any]:
    doc = {
        "id": plan_id,
        "name": f"进步测试 {year}",
        "year": year,
        "components": [{"key": "work", "type": "indicators", "weight": D(1)}],
        "grade_bands": [
            {"grade": "excellent", "label": "优秀", "min": D(95)},
            {"grade": "pass", "label": "合格", "min": D(75)},
            {"grade": "fail", "label": "不合格", "min": None},
        ],
        "awards": {"eligible_grades": ["excellent"]},
        "veto": {"categories": [], "grade": None},
    }
    if previous:
        doc["previous_plan"] = previous
    return doc


def ratio_leaves() -> list[dict[str, Any]]:
    return [
        {
            "id": "R",
            "name": "完成率",
            "parent": None,
            "max_points": D(10),
            "target": D(100),
            "method": {"type": "ratio"},
        },
        {
            "id": "I",
            "name": "事故（≤）",
            "parent": None,
            "max_points": D(10),
            "target": D(10),
            "method": {"type": "inverse_ratio"},
        },
    ]


def composite(progress: bool) -> dict[str, Any]:
    parts = [{"key": "completion", "weight": D("0.9"), "method": {"type": "ratio"}}]
    if progress:
        parts.append(
            {
                "key": "progress",
                "weight": D("0.1"),
                "method": {"type": "progress", "of": "C#completion", "bands": STEPS},
            }
        )
    else:
        parts.append({"key": "progress", "weight": D("0.1"), "method": {"type": "boolean"}})
    return {
        "id": "C",
        "name": "综合",
        "parent": None,
        "max_points": D(10),
        "target": D(100),
        "method": {"type": "composite", "parts": parts},
    }


INDICATORS_2026 = [
    *ratio_leaves(),
    {
        "id": "PR",
        "name": "完成率进步",
        "parent": None,
        "max_points": D(5),
        "method": {"type": "progress", "of": "R", "bands": STEPS},
    },
    {
        "id": "PI",
        "name": "事故减少",
        "parent": None,
        "max_points": D(5),
        "method": {"type": "progress", "of": "I", "bands": STEPS},
    },
    composite(progress=True),
]
UNITS = [{"id": f"u{i}", "name": f"科室{i}", "kind": "section", "group": "sections"} for i in (1, 2, 3)]


def res(unit: str, indicator: str, actual, part: str | None = None, confirmed: bool = True) -> dict[str, Any]:
    record = {"unit": unit, "indicator": indicator, "period": "Y", "actual": D(actual), "confirmed": confirmed}
    if part:
        record["part"] = part
    return record


def bundle(plan_doc, indicators, results, targets=()) -> dict[str, Any]:
    return {
        "format": "jixiao.bundle/v1",
        "plan": plan_doc,
        "units": copy.deepcopy(UNITS),
        "indicators": copy.deepcopy(indicators),
        "targets": list(targets),
        "results": list(results),
    }


LAST_YEAR = bundle(
    plan("t-2025", 2025, None),
    [*ratio_leaves(), composite(progress=False)],
    [
        res("u1", "R", 80),
        res("u1", "I", 12),
        res("u1", "C", 90, "completion"),
        {"unit": "u1", "indicator": "C", "part": "progress", "period": "Y", "done": True, "confirmed": True},
        res("u2", "R", 80),
        res("u2", "I", 10),
        res("u2", "C", 50, "completion", confirmed=False),  # never confirmed: no value last year
        # u3 is new this year: nothing last year
    ],
)
THIS_YEAR = bundle(
    plan("t-2026", 2026, "t-2025"),
    INDICATORS_2026,
    [
        res("u1", "R", 90),  # 0.8 → 0.9: +0.1, the top band's edge
        res("u1", "I", 11),  # 1.2 → 1.1: lower is better, +0.1
        res("u1", "C", 95, "completion"),  # 0.9 → 0.95: +0.05
        res("u2", "R", D("89.99")),  # 0.8 → 0.8999: just under the top band
        res("u2", "I", D("10.5")),  # 1.0 → 1.05: worse
        res("u2", "C", 60, "completion"),
        res("u3", "R", 100),
        res("u3", "I", 5),
        res("u3", "C", 100, "completion"),
    ],
)


def scored(this_year=THIS_YEAR, last_year=LAST_YEAR, period: str = "Y"):
    current = parse_bundle(this_year)
    facts = current.facts
    if last_year is not None:
        previous = parse_bundle(last_year)
        facts = with_previous(current.plan, current.facts, previous.plan, previous.facts)
    return {s.unit: s for s in score_bundle(dataclasses.replace(current, facts=facts), period)}


def line(score, leaf: str, part: str | None = None):
    return next(x for c in score.explanation.components for x in c.leaves if (x.indicator, x.part) == (leaf, part))


def test_band_edges_and_the_inverse_direction():
    scores = scored()
    u1, u2 = scores["u1"], scores["u2"]
    assert (line(u1, "PR").fraction, line(u2, "PR").fraction) == (D(1), D("0.5"))  # +0.1 in, +0.0999 below
    assert (line(u1, "PI").fraction, line(u2, "PI").fraction) == (D(1), D(0))  # fewer accidents: better
    assert line(u1, "PI").input["change"] == D("0.1")
    assert line(u2, "PI").input["change"] == D("-0.05")


def test_explanation_shows_both_years_the_change_and_the_band():
    got = dict(line(scored()["u1"], "PR").input)
    assert got == {
        "of": "R",
        "previous_plan": "t-2025",
        "direction": "up",
        "actual": D(90),
        "target": D(100),
        "ratio": D("0.9"),
        "previous_actual": D(80),
        "previous_target": D(100),
        "previous_ratio": D("0.8"),
        "change": D("0.1"),
        "band_min": D("0.1"),
    }
    assert line(scored()["u1"], "PR").points == D(5)


def test_a_composite_progress_part_compares_its_completion_part():
    u1 = scored()["u1"]
    progress = line(u1, "C", "progress")
    assert (progress.method, progress.input["change"], progress.fraction) == ("progress", D("0.05"), D("0.5"))
    assert progress.points == D(10) * D("0.1") * D("0.5")


def test_total_by_hand():
    # u1: R 9 + I 10×10/11 + PR 5 + PI 5 + C (0.9×10×0.95 = 8.55) + C#progress (0.1×10×0.5 = 0.5), of 40
    earned = D(9) + D(100) / D(11) + D(5) + D(5) + D("8.55") + D("0.5")
    u1 = scored()["u1"]
    assert (u1.total, u1.missing) == (round2(earned * 100 / 40), ())


def test_missing_last_year_earns_zero_and_is_listed():
    scores = scored()
    u3 = scores["u3"]  # a new section: nothing last year
    assert (line(u3, "PR").fraction, line(u3, "PR").input["missing"]) == (D(0), "last year")
    assert sorted(u3.missing) == ["progress:C#progress", "progress:PI", "progress:PR"]
    # u2's only result of C#completion last year was never confirmed: it does not count
    assert "progress:C#progress" in scores["u2"].missing
    assert "previous_ratio" not in line(scores["u2"], "C", "progress").input


def test_missing_this_year_is_listed_beside_the_leaf():
    doc = copy.deepcopy(THIS_YEAR)
    doc["results"] = [r for r in doc["results"] if not (r["unit"] == "u1" and r["indicator"] == "R")]
    u1 = scored(doc)["u1"]
    assert {"indicator:R", "progress:PR"} <= set(u1.missing)
    assert line(u1, "PR").input["missing"] == "this year"


def test_a_plan_set_missing_fraction():
    doc = copy.deepcopy(THIS_YEAR)
    doc["indicators"][2]["method"]["missing_fraction"] = D("0.5")
    u3 = scored(doc)["u3"]
    assert (line(u3, "PR").fraction, "progress:PR" in u3.missing) == (D("0.5"), True)


def test_each_year_uses_its_own_target():
    # last year u1's own target for R was 160: 80/160 = 0.5, so 0.5 → 0.9 is +0.4
    doc = copy.deepcopy(LAST_YEAR)
    doc["targets"] = [{"unit": "u1", "indicator": "R", "target": D(160)}]
    got = line(scored(last_year=doc)["u1"], "PR").input
    assert (got["previous_target"], got["change"]) == (D(160), D("0.4"))


def test_without_last_year_every_progress_slot_is_missing():
    u1 = scored(last_year=None)["u1"]
    assert sorted(m for m in u1.missing if m.startswith("progress:")) == [
        "progress:C#progress",
        "progress:PI",
        "progress:PR",
    ]


def test_the_previous_bundle_must_be_the_named_plan():
    current, other = parse_bundle(THIS_YEAR), parse_bundle({**LAST_YEAR, "plan": plan("x-2025", 2025, None)})
    with pytest.raises(ScoringError, match="names previous plan 't-2025', not 'x-2025'"):
        with_previous(current.plan, current.facts, other.plan, other.facts)


def test_quarters_compare_with_the_same_quarter_last_year():
    this_year = copy.deepcopy(THIS_YEAR)
    last_year = copy.deepcopy(LAST_YEAR)
    this_year["results"].append({**res("u1", "R", 30), "period": "Q1"})
    last_year["results"].append({**res("u1", "R", 10), "period": "Q1"})
    got = line(scored(this_year, last_year, "Q1")["u1"], "PR").input
    assert (got["previous_ratio"], got["ratio"], got["change"]) == (D("0.1"), D("0.3"), D("0.2"))


# --- the offline command with two bundles -----------------------------------------------------------


def write(tmp_path, name: str, doc: dict) -> Any:
    path = tmp_path / name
    path.write_text(dumps(doc, indent=1), encoding="utf-8")
    return path


def run(*args, **kwargs) -> tuple[int, dict | None, str]:
    out, err = io.StringIO(), io.StringIO()
    code = score_command(*args, out=out, err=err, **kwargs)
    return code, json.loads(out.getvalue()) if out.getvalue() else None, err.getvalue()


def test_offline_score_with_previous_bundle(tmp_path):
    this_year, last_year = write(tmp_path, "t-2026.json", THIS_YEAR), write(tmp_path, "t-2025.json", LAST_YEAR)
    code, doc, err = run(this_year, previous_path=last_year)
    assert (code, err) == (0, "")
    by_unit = {u["unit"]: u for u in doc["units"]}
    expected = scored()
    assert {u: by_unit[u]["total"] for u in by_unit} == {u: float(s.total) for u, s in expected.items()}
    assert by_unit["u1"]["missing"] == []


def test_offline_score_without_previous_warns_and_counts_progress_missing(tmp_path):
    code, doc, err = run(write(tmp_path, "t-2026.json", THIS_YEAR))
    assert code == 0
    assert "warning: $.plan.previous_plan: no --previous bundle of 't-2025'" in err
    assert "progress:PR" in next(u for u in doc["units"] if u["unit"] == "u1")["missing"]


def test_offline_score_refuses_a_previous_bundle_of_another_plan(tmp_path):
    other = write(tmp_path, "x.json", {**LAST_YEAR, "plan": plan("x-2025", 2025, None)})
    code, doc, err = run(write(tmp_path, "t-2026.json", THIS_YEAR), previous_path=other)
    assert (code, doc) == (2, None)
    assert err.startswith("error: --previous: plan 't-2026' names previous plan 't-2025', not 'x-2025'")


def test_offline_score_names_problems_of_the_previous_bundle(tmp_path):
    broken = copy.deepcopy(LAST_YEAR)
    broken["results"][0]["indicator"] = "NOPE"
    code, _, err = run(write(tmp_path, "t-2026.json", THIS_YEAR), previous_path=write(tmp_path, "b.json", broken))
    assert code == 2
    assert "error: --previous: $.results[0].indicator: unknown indicator 'NOPE'" in err

"""The worked example (白莲镇 2026) scores exactly as published, and every score explains itself."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.rules.bundle import load_bundle
from jixiao.rules.decimals import round2
from jixiao.rules.exactjson import dumps
from jixiao.samples import BAILIAN_BUNDLE
from services.scoring.domain.deductions import CAPPED, COUNTED
from services.scoring.domain.grading import score_bundle
from services.scoring.domain.model import UnitScore
from services.scoring.domain.results import explanation_to_dict, results_to_dict
from services.scoring.entrypoints.offline import score_command

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[2] / "data"
BUNDLE = BAILIAN_BUNDLE
GOLDEN = DATA / "bailian-2026.results.json"


def _load(text: str) -> dict:
    return json.loads(text, parse_float=Decimal)


def assert_results_equal(actual: dict, expected: dict) -> None:
    """Parsed results documents are equal: numbers as Decimals, `missing` order-insensitive,
    key sets (and so the optional survey_se) exactly alike."""
    assert {k: v for k, v in actual.items() if k != "units"} == {k: v for k, v in expected.items() if k != "units"}
    assert [u["unit"] for u in actual["units"]] == [u["unit"] for u in expected["units"]]
    for got, want in zip(actual["units"], expected["units"], strict=True):
        assert set(got) == set(want), got["unit"]
        for key in want:
            if key == "missing":
                assert sorted(got[key]) == sorted(want[key]), got["unit"]
                assert len(set(got[key])) == len(got[key]), f"{got['unit']}: duplicate missing entries"
            else:
                assert got[key] == want[key], f"{got['unit']}.{key}: {got[key]!r} != {want[key]!r}"
                assert type(got[key]) is type(want[key]), f"{got['unit']}.{key}"


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(BUNDLE.read_bytes())


@pytest.fixture(scope="module")
def scores(bundle) -> list[UnitScore]:
    return score_bundle(bundle, "Y")


def test_golden_results(bundle, scores):
    actual = _load(dumps(results_to_dict(bundle.plan, "Y", scores)))
    assert_results_equal(actual, _load(GOLDEN.read_text(encoding="utf-8")))


def test_golden_comparison_can_fail(bundle, scores):
    """The comparison itself catches a one-cent difference and a reordered unit list."""
    expected = _load(GOLDEN.read_text(encoding="utf-8"))
    actual = _load(dumps(results_to_dict(bundle.plan, "Y", scores)))
    actual["units"][0]["total"] += Decimal("0.01")
    with pytest.raises(AssertionError):
        assert_results_equal(actual, expected)
    actual = _load(dumps(results_to_dict(bundle.plan, "Y", scores)))
    actual["units"].reverse()
    with pytest.raises(AssertionError):
        assert_results_equal(actual, expected)


def test_explanation_adds_up_for_every_unit(bundle, scores):
    assert len(scores) == len(bundle.units) == 37
    for s in scores:
        lines = s.explanation.components
        assert s.total_exact is not None
        assert sum(line.contribution for line in lines) == s.total_exact, s.unit
        assert round2(s.total_exact) == s.total
        for line in lines:
            assert s.components[line.key] == line.score
            if line.type == "indicators":
                for leaf in line.leaves:
                    assert leaf.points == leaf.max_points * leaf.weight * leaf.fraction
                    assert Decimal(0) <= leaf.fraction <= Decimal(1)
                max_points = {leaf.indicator: leaf.max_points for leaf in line.leaves}
                earned = sum(leaf.points for leaf in line.leaves)
                assert line.score == earned * 100 / sum(max_points.values()), s.unit
                assert line.contribution == line.weight * line.score
                missing = {
                    f"indicator:{leaf.indicator}" + (f"#{leaf.part}" if leaf.part else "")
                    for leaf in line.leaves
                    if leaf.input is None
                }
                assert missing == set(s.missing)
            elif line.type == "survey":
                weights = sum(r.weight for r in line.rounds)
                assert line.score == sum(r.weight * r.score for r in line.rounds) / weights
                for rnd in line.rounds:
                    total_w = sum(h.weight for h in rnd.strata)
                    assert rnd.score == sum(h.weight * h.mean for h in rnd.strata) / total_w
                    assert all(h.n >= 1 for h in rnd.strata)
            else:
                assert line.type == "penalty"
                assert line.score == sum(d.counted for d in line.deductions)
                assert line.contribution == -line.score
                for d in line.deductions:
                    assert d.status in (COUNTED, CAPPED, "revoked", "outside_period")
                    assert d.counted <= d.points


def test_explanation_shows_the_inputs(scores):
    a05 = next(s for s in scores if s.unit == "a05")
    doc = explanation_to_dict(a05.explanation)
    json.loads(dumps(doc))  # serialisable
    penalty = next(c for c in doc["components"] if c["key"] == "inspection")
    # a05 has three 1-point inspections (d19, d20, d21): 3 in total, the cap exactly
    assert [(d["id"], d["counted"], d["status"]) for d in penalty["deductions"]] == [
        ("d19", Decimal(1), "counted"),
        ("d20", Decimal(1), "counted"),
        ("d21", Decimal(1), "counted"),
    ]
    indicators = next(c for c in doc["components"] if c["key"] == "indicators")
    first = indicators["leaves"][0]
    assert first["indicator"] == "I1.1"
    assert first["input"] == {"actual": Decimal("8.1"), "target": Decimal(8)}  # a05's own target
    assert first["source"].startswith("$.results[")


def test_revoked_deduction_is_shown_but_not_counted(scores):
    a06 = next(s for s in scores if s.unit == "a06")
    penalty = next(c for c in a06.explanation.components if c.key == "inspection")
    by_id = {d.id: d for d in penalty.deductions}
    assert by_id["d22"].status == "revoked" and by_id["d22"].counted == 0
    assert by_id["d23"].status == "counted" and by_id["d23"].counted == 1
    assert a06.components["inspection"] == 1


# --- the offline command ------------------------------------------------------------------------


def run(*args, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = score_command(*args, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_offline_json_equals_golden():
    code, out, err = run(BUNDLE)
    assert (code, err) == (0, "")
    assert_results_equal(_load(out), _load(GOLDEN.read_text(encoding="utf-8")))


def test_offline_table_has_chinese_labels_and_groups():
    code, out, err = run(BUNDLE, "Y", "table")
    assert (code, err) == (0, "")
    for text in ("优", "良", "一般", "差", "财政所", "agencies", "villages", "否决"):
        assert text in out
    plan = json.loads(BUNDLE.read_text(encoding="utf-8"))["plan"]
    for name in plan["groups"].values():  # the tables are titled with the plan's group names
        assert f"· Y · {name}" in out, name
    a06_row = next(line for line in out.splitlines() if " a06 " in line)
    assert "92.90" in a06_row and "优" in a06_row


def test_offline_broken_bundle_exits_2_with_paths(tmp_path):
    doc = json.loads(BUNDLE.read_text(encoding="utf-8"))
    i = next(i for i, r in enumerate(doc["results"]) if "rating" in r)
    doc["results"][i]["rating"] = "Z"
    doc["vetoes"][0]["category"] = "weather"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(broken)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"error: $.results[{i}].rating: unknown rating 'Z'")
    assert lines[1].startswith("error: $.vetoes[0].category: veto category 'weather'")


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("{not json", "$"),
        ('{"format": "jixiao.bundle/v2"}', "$.format"),
        ("[1, 2]", "$"),
        ('{"format": "jixiao.bundle/v1", "plan": NaN}', "$"),  # refused while parsing, with its line and column
    ],
)
def test_offline_malformed_input_exits_2(tmp_path, text, path):
    broken = tmp_path / "broken.json"
    broken.write_text(text, encoding="utf-8")
    code, out, err = run(broken)
    assert code == 2 and out == ""
    assert any(line.startswith(f"error: {path}: ") for line in err.splitlines()), err
    assert all(line.startswith("error: ") for line in err.splitlines())
    assert "Traceback" not in err


def test_offline_missing_file_is_one_line(tmp_path):
    code, out, err = run(tmp_path / "nowhere.json")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert "nowhere.json" in err


def test_offline_rejects_unknown_period_and_format():
    assert run(BUNDLE, "Q5")[0] == 2
    assert run(BUNDLE, "Y", "xml")[0] == 2


def test_offline_typer_app(tmp_path):
    from typer.testing import CliRunner

    from services.scoring.entrypoints.offline import app

    result = CliRunner().invoke(app, [str(BUNDLE), "--period", "H1", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = _load(result.stdout)
    assert doc["period"] == "H1"
    assert {u["status"] for u in doc["units"]} == {"provisional"}


def test_offline_reports_warnings_and_still_scores(tmp_path):
    doc = json.loads(BUNDLE.read_text(encoding="utf-8"))
    doc["deductions"].append({"id": "d404", "revoked": True})
    doc["deductions"].append({"id": "d22", "revoked": True})  # d22 is already revoked
    path = tmp_path / "warned.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(path)
    assert code == 0
    assert_results_equal(_load(out), _load(GOLDEN.read_text(encoding="utf-8")))
    n = len(doc["deductions"])
    assert err.splitlines() == [
        f"warning: $.deductions[{n - 2}]: revocation of unknown deduction 'd404' changes nothing",
        f"warning: $.deductions[{n - 1}]: deduction 'd22' is already revoked; revoking it again changes nothing",
    ]

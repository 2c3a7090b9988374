"""The tables `jixiao demo` and `jixiao results --format table` print: titled with the plan's name and its
groups' names (`plan.groups`, scoring.md), not their ids."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from jixiao.samples import BAILIAN_BUNDLE
from jixiao_cli.commands.tables import plan_titles, render_results

pytestmark = pytest.mark.unit
RESULTS = Path(__file__).resolve().parents[2] / "data" / "bailian-2026.results.json"


def test_tables_are_titled_with_the_plan_and_group_names():
    plan = json.loads(BAILIAN_BUNDLE.read_text("utf-8"))["plan"]
    doc = json.loads(RESULTS.read_text("utf-8"))
    plan_name, groups = plan_titles(plan)
    assert plan_name == plan["name"] and groups == plan["groups"] and set(groups) == {u["group"] for u in doc["units"]}
    out = io.StringIO()
    render_results(doc, out, plan_name=plan_name, groups=groups)
    text = out.getvalue()
    for gid, name in groups.items():
        assert f"{plan_name} Y — {name}" in text, name
        assert f"— {gid}" not in text, gid


def test_a_plan_without_group_names_keeps_the_ids():
    doc = {"plan": "p", "period": "Y", "units": [{"unit": "u1", "group": "g1", "components": {}, "total": 90}]}
    out = io.StringIO()
    render_results(doc, out, plan_name="", groups=plan_titles({"groups": None})[1])
    assert "p Y — g1" in out.getvalue()

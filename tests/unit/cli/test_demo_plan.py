"""`jixiao demo --plan NAME`: the shipped examples by short name, and which periods the demo closes."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from jixiao.samples import BAILIAN_BUNDLE, EXAMPLES
from jixiao_cli.commands import stack

pytestmark = pytest.mark.unit


def _app() -> typer.Typer:
    app = typer.Typer()
    stack.register(app)
    return app


def test_every_short_name_resolves_to_a_shipped_bundle():
    assert list(EXAMPLES) == ["bailian", "yanghe", "shuili", "hami", "pingbian"]
    assert stack.resolve_plan("bailian") == BAILIAN_BUNDLE
    for name in EXAMPLES:
        assert stack.resolve_plan(name).is_file()


def test_an_unknown_plan_exits_2_with_one_line_naming_the_known_ones(tmp_path):
    result = CliRunner().invoke(_app(), ["demo", "--plan", "baoshan", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: unknown --plan 'baoshan'; known: bailian, yanghe, shuili, hami, pingbian"
    ]
    assert list(tmp_path.iterdir()) == []  # nothing was started


def test_the_demo_closes_every_graded_period_in_order_the_year_last():
    from jixiao_cli.demo import periods_to_close

    assert periods_to_close({"id": "bailian-2026"}, None) == ["Y"]
    assert periods_to_close({"graded_periods": ["Q1", "Q2", "Q3", "Q4", "H1", "Y"]}, None) == [
        "Q1",
        "Q2",
        "H1",
        "Q3",
        "Q4",
        "Y",
    ]
    assert periods_to_close({"graded_periods": ["Q4", "Q1"]}, None) == ["Q1", "Q4", "Y"]
    assert periods_to_close({"graded_periods": ["Q1"]}, "Q1") == ["Q1"]

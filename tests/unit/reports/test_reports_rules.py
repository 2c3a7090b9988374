"""The pure rules of the reports read model."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.reports.domain import rules
from services.reports.domain.errors import BadScoreEvent, InvalidLabels
from services.reports.domain.model import PlanLabels, Snapshot, UnitScore

pytestmark = pytest.mark.unit


def score(
    unit: str,
    total: str | None,
    *,
    group: str = "villages",
    grade: str | None = None,
    rank: int | None = None,
    status: str = "final",
    vetoed: bool = False,
    award: bool = False,
) -> UnitScore:
    return UnitScore(unit, group, status, Decimal(total) if total is not None else None, grade, rank, vetoed, award)


def test_decimal_strings_are_exact_and_empty_means_absent():
    assert rules.decimal_or_none("89.995", "total") == Decimal("89.995")
    assert rules.decimal_or_none("", "total") is None
    for bad in ("abc", "NaN", "Infinity"):
        with pytest.raises(BadScoreEvent):
            rules.decimal_or_none(bad, "total")


def test_latest_provisional_version_wins():
    assert rules.supersedes(1, None)
    assert rules.supersedes(3, 2)
    assert not rules.supersedes(2, 2)
    assert not rules.supersedes(1, 2)


def test_snapshot_to_show_takes_the_newest_complete_newer_one():
    snaps = [Snapshot(1, 2, 2), Snapshot(2, 2, 2), Snapshot(3, 2, 1), Snapshot(4, None, 5)]
    assert rules.snapshot_to_show(None, snaps).version == 2
    assert rules.snapshot_to_show(2, snaps) is None  # 3 and 4 are incomplete: keep showing 2
    assert rules.snapshot_to_show(5, snaps) is None  # older never replaces newer


def test_empty_snapshot_is_complete_once_announced():
    assert Snapshot(1, 0, 0).complete
    assert not Snapshot(1, None, 0).complete


def test_obsolete_snapshots_are_the_incomplete_older_ones():
    snaps = [Snapshot(1, 2, 2), Snapshot(2, None, 1), Snapshot(3, 2, 2), Snapshot(4, 2, 1)]
    assert rules.obsolete_snapshots(3, snaps) == [2]


def test_competition_ranks_share_and_skip():
    scores = [score("a", "90"), score("b", "85.5"), score("c", "85.50"), score("d", "70"), score("e", None)]
    assert rules.competition_ranks(scores) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_plan_labels_override_defaults():
    labels = PlanLabels("p", grades={"excellent": "优秀", "pass": "合格"})
    merged = rules.grade_labels(labels)
    assert merged["excellent"] == "优秀" and merged["good"] == "良" and merged["fail"] == "不合格"
    assert rules.label_of("unknown_code", merged) == "unknown_code"
    assert rules.label_of(None, merged) == ""


def test_distribution_uses_the_family_of_the_grades_seen():
    assert rules.distribution_grades(["good", "excellent"], None) == ["excellent", "good", "fair", "poor"]
    assert rules.distribution_grades(["pass", "fail"], None) == ["excellent", "pass", "fail"]
    assert rules.distribution_grades(["good", "pass", "odd"], None) == ["good", "pass", "odd"]
    own = PlanLabels("p", grades={"a": "甲", "b": "乙"})
    assert rules.distribution_grades(["b", "z"], own) == ["a", "b", "z"]


def test_labels_are_validated_all_at_once():
    with pytest.raises(InvalidLabels) as err:
        rules.validate_labels({"excellent": "", " ": "x"}, {"u": "n" * 51})
    assert len(err.value.problems) == 3


def test_graded_view_keeps_scorings_ranks_and_orders_groups_and_rows():
    scores = [
        score("v2", "88.00", grade="good", rank=2, award=True),
        score("v1", "91.20", grade="excellent", rank=1, vetoed=True),
        score("v3", None, grade=None, rank=None, status="incomplete"),
        score("a1", "80", group="agencies", grade="fair", rank=1),
    ]
    view = rules.build_view(
        "p",
        "Y",
        scores,
        provisional=False,
        labels=PlanLabels("p", units={"v1": "白莲村"}),
        snapshot=Snapshot(7, 4, 4, "office"),
    )
    assert [g.group for g in view.groups] == ["agencies", "villages"]
    villages = view.groups[1]
    assert [r.unit_id for r in villages.rows] == ["v1", "v2", "v3"]
    assert villages.rows[0].unit_name == "白莲村" and villages.rows[0].grade_label == "优"
    assert villages.rows[0].total == Decimal("91.20")
    assert villages.distribution == [("excellent", "优", 1), ("good", "良", 1), ("fair", "一般", 0), ("poor", "差", 0)]
    assert villages.ungraded == 1
    assert view.snapshot_version == 7 and view.closed_by == "office" and not view.provisional


def test_provisional_view_recomputes_ranks_from_current_totals():
    scores = [score("v1", "80", rank=1, status="provisional"), score("v2", "85", rank=1, status="provisional")]
    view = rules.build_view("p", "Q1", scores, provisional=True, labels=None)
    assert [(r.unit_id, r.rank) for r in view.rows] == [("v2", 1), ("v1", 2)]


def test_group_filter_and_top_with_ties():
    scores = [score(f"v{i}", t, rank=r) for i, (t, r) in enumerate([("90", 1), ("85", 2), ("85", 2), ("80", 4)])]
    scores.append(score("x", "99", group="other", rank=1))
    view = rules.build_view("p", "Y", scores, provisional=False, labels=None, group="villages")
    assert [g.group for g in view.groups] == ["villages"]
    assert [r.unit_id for r in rules.top(view.rows, 2)] == ["v0", "v1", "v2"]

"""Applying score events to the read model, and the queries over it (fakes, no servers)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.reports.domain.errors import PeriodNotGraded, PeriodUnknown, SnapshotUnknown
from services.reports.domain.model import (
    GradedScoreReceived,
    PeriodGradedReceived,
    PlanLabels,
    ProvisionalScoreReceived,
    UnitScore,
)
from services.reports.service import handlers

pytestmark = pytest.mark.unit
T0 = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


def us(
    unit: str, total: str, grade: str = "good", rank: int = 1, group: str = "villages", status: str = "final"
) -> UnitScore:
    return UnitScore(unit, group, status, Decimal(total), grade, rank)


async def feed(repo, *events) -> None:
    """One batch: apply every event, then settle the touched periods (as the consumer does)."""
    touched = {await handlers.apply_event(repo, e) for e in events}
    for key in sorted(touched):
        await handlers.settle(repo, *key)


def graded(version: int, *scores: UnitScore) -> list[GradedScoreReceived]:
    return [GradedScoreReceived("p", "Y", s, version) for s in scores]


def closed(version: int, units: int) -> PeriodGradedReceived:
    return PeriodGradedReceived("p", "Y", version, units, "office", T0)


async def test_provisional_latest_version_wins(repo, uow):
    await feed(repo, ProvisionalScoreReceived("p", "Y", us("v1", "80", status="provisional"), 5, T0))
    await feed(repo, ProvisionalScoreReceived("p", "Y", us("v1", "70", status="provisional"), 4, T0))  # late
    view = await handlers.ranking_view(uow, "p", "Y")
    assert view.provisional and view.rows[0].total == Decimal("80.00")


async def test_snapshot_is_shown_only_when_complete_in_any_arrival_order(repo, uow):
    await feed(repo, ProvisionalScoreReceived("p", "Y", us("v1", "80", status="provisional"), 1, T0))
    await feed(repo, closed(1, 2), *graded(1, us("v1", "91", "excellent")))
    assert (await handlers.ranking_view(uow, "p", "Y")).provisional  # 1 of 2 rows
    await feed(repo, *graded(1, us("v2", "86", "good", 2)))
    view = await handlers.ranking_view(uow, "p", "Y")
    assert not view.provisional and view.snapshot_version == 1
    assert [r.unit_id for r in view.rows] == ["v1", "v2"]


async def test_rows_before_header_complete_when_header_arrives(repo, uow):
    await feed(repo, *graded(1, us("v1", "91", "excellent")))
    assert (await handlers.ranking_view(uow, "p", "Y")).provisional
    await feed(repo, closed(1, 1))
    assert (await handlers.ranking_view(uow, "p", "Y")).snapshot_version == 1


async def test_previous_complete_snapshot_stays_until_the_next_is_whole(repo, uow):
    await feed(repo, *graded(1, us("v1", "91", "excellent"), us("v2", "86", "good", 2)), closed(1, 2))
    await feed(repo, closed(2, 2), *graded(2, us("v1", "84", "fair", 2)))
    view = await handlers.ranking_view(uow, "p", "Y")
    assert view.snapshot_version == 1 and view.rows[0].total == Decimal("91.00")
    await feed(repo, *graded(2, us("v2", "88", "good", 1)))
    view = await handlers.ranking_view(uow, "p", "Y")
    assert view.snapshot_version == 2 and [r.unit_id for r in view.rows] == ["v2", "v1"]


async def test_older_snapshot_never_overwrites_a_newer_one(repo, uow):
    await feed(repo, *graded(3, us("v1", "95", "excellent")), closed(3, 1))
    await feed(repo, *graded(2, us("v1", "60", "poor")), closed(2, 1))  # late, older, complete
    view = await handlers.ranking_view(uow, "p", "Y")
    assert view.snapshot_version == 3 and view.rows[0].grade == "excellent"


async def test_incomplete_older_snapshots_are_dropped_and_history_kept(repo, uow):
    await feed(repo, *graded(1, us("v1", "90", "excellent")), closed(1, 1))
    await feed(repo, *graded(2, us("v1", "70", "poor")))  # never announced
    await feed(repo, *graded(3, us("v1", "88")), closed(3, 1))
    assert ("p", "Y", 2) not in repo.graded
    assert (await handlers.ranking_view(uow, "p", "Y", snapshot=1)).rows[0].grade == "excellent"
    with pytest.raises(SnapshotUnknown):
        await handlers.ranking_view(uow, "p", "Y", snapshot=2)


async def test_redelivered_graded_row_does_not_change_the_snapshot(repo, uow):
    await feed(repo, *graded(1, us("v1", "90", "excellent")), closed(1, 1))
    await feed(repo, *graded(1, us("v1", "10", "poor")), closed(1, 5))
    view = await handlers.ranking_view(uow, "p", "Y")
    assert view.rows[0].total == Decimal("90.00")


async def test_unknown_period_and_annual_report_needs_a_grade(repo, uow):
    with pytest.raises(PeriodUnknown):
        await handlers.ranking_view(uow, "p", "Y")
    await feed(repo, ProvisionalScoreReceived("p", "Y", us("v1", "80", status="provisional"), 1, T0))
    with pytest.raises(PeriodNotGraded):
        await handlers.ranking_view(uow, "p", "Y", require_graded=True)


async def test_settle_locks_each_touched_period_once_in_order(repo):
    await feed(
        repo,
        ProvisionalScoreReceived("q", "Y", us("v1", "80"), 1, T0),
        ProvisionalScoreReceived("p", "Q1", us("v1", "80"), 1, T0),
        ProvisionalScoreReceived("q", "Y", us("v2", "80"), 1, T0),
    )
    assert repo.locked == [("p", "Q1"), ("q", "Y")]


async def test_labels_are_stored_and_used(repo, uow):
    await handlers.set_labels(uow, PlanLabels("p", {"excellent": "优秀"}, {"v1": "白莲村"}))
    assert uow.commits == 1
    await feed(repo, *graded(1, us("v1", "96", "excellent")), closed(1, 1))
    row = (await handlers.ranking_view(uow, "p", "Y")).rows[0]
    assert (row.unit_name, row.grade_label) == ("白莲村", "优秀")
    override, effective = await handlers.get_labels(uow, "other")
    assert override.grades == {} and effective.grades == {}

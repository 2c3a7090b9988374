"""A re-score after an objection (异议) names it: the next close records it with its new snapshot
version and publishes it in PeriodGraded, so reports' notice links the two (issue #14)."""

from __future__ import annotations

import pytest

from jixiao.messaging.envelope import payload_of
from services.scoring.service.closing import close_period
from services.scoring.service.queries import snapshots
from services.scoring.service.rescore import rescore

pytestmark = pytest.mark.unit
PLAN = "t-2026"


def period_graded(store) -> list[tuple[int, list[str]]]:
    return [
        (payload_of(e).snapshot_version, list(payload_of(e).objection_ids))
        for e in store.state.outbox
        if e.type == "PeriodGraded"
    ]


async def test_the_objections_a_rescore_follows_go_with_the_next_snapshot_version(sf, store) -> None:
    indicators = sf.FakeSnapshotClient("indicators", sf.year_events())
    deps = sf.fake_dependencies(store, [indicators])
    await close_period(deps, PLAN, "Y", "office")
    indicators.envelopes.append(sf.points_confirmed("v1", "89", version=2))  # corrected after objection o-12
    report = await rescore(deps, PLAN, "Y", "office", objections=["o-12", "o-7"])
    assert report.objections == ["o-12", "o-7"] and report.to_dict()["objections"] == ["o-12", "o-7"]
    assert period_graded(store) == [(1, [])]  # a re-score grades nothing
    again = await rescore(deps, PLAN, "Y", "office", objections=["o-12"])  # named twice: once
    assert again.objections == ["o-12", "o-7"]

    closed = await close_period(deps, PLAN, "Y", "office")
    assert (closed.snapshot_version, closed.objections) == (2, ["o-12", "o-7"])
    assert period_graded(store) == [(1, []), (2, ["o-12", "o-7"])]
    assert [(s["version"], s["objections"]) for s in await snapshots(deps, PLAN, "Y")] == [
        (1, []),
        (2, ["o-12", "o-7"]),
    ]
    # a later version follows no objection unless one is named again
    indicators.envelopes.append(sf.points_confirmed("v1", "90", version=3))
    third = await close_period(deps, PLAN, "Y", "office", objections=["o-30"])
    assert (third.snapshot_version, third.objections) == (3, ["o-30"])
    assert period_graded(store)[-1] == (3, ["o-30"])


async def test_objections_wait_when_the_close_changes_nothing(sf, store) -> None:
    indicators = sf.FakeSnapshotClient("indicators", sf.year_events())
    deps = sf.fake_dependencies(store, [indicators])
    await close_period(deps, PLAN, "Y", "office")
    unchanged = await close_period(deps, PLAN, "Y", "office", objections=["o-1"])
    assert (unchanged.created, unchanged.objections) == (False, [])
    indicators.envelopes.append(sf.points_confirmed("v2", "86", version=2))
    changed = await close_period(deps, PLAN, "Y", "office")
    assert (changed.snapshot_version, changed.objections) == (2, ["o-1"])

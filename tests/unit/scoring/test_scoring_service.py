"""The scoring use cases on fakes (FakeUnitOfWork, FakeScoringRepository, FakeSnapshotClient; no servers).

MANUAL_PLAN: a unit's total is exactly its manual points; bands excellent ≥ 90, good ≥ 85, fair ≥ 75.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jixiao.errors import Conflict, InvalidInput, NotFound
from jixiao.fact_digest import digest_envelopes
from jixiao.messaging.envelope import make_envelope, payload_of
from jixiao.proto.events.v1 import scores_pb2
from jixiao.rules import exactjson
from services.scoring.adapters.source_events import apply_event
from services.scoring.service.closing import close_period, run_close_requests
from services.scoring.service.diff import DiffEntry
from services.scoring.service.queries import (
    consistency,
    history,
    rankings,
    results,
    results_doc,
    snapshots,
    unit_score,
)
from services.scoring.service.recompute import Touched, recompute_touched
from services.scoring.service.rescore import rescore

pytestmark = pytest.mark.unit
PLAN = "t-2026"


async def deliver(deps, envelopes) -> Touched:
    """What the consumer does with a batch: apply each event, then recompute what it touched, one transaction."""
    async with deps.uow_factory() as uow:
        touched = Touched()
        for env in envelopes:
            touch = await apply_event(uow.repo, env)
            if touch is not None:
                touched.add(touch, env)
        await recompute_touched(deps, uow, touched)
        await uow.commit()
    return touched


def scores(store, period: str = "Y") -> dict[str, tuple]:
    """The stored current scores: unit -> (version, status, total, grade)."""
    return {
        u: (r.version, r.status, r.total, r.grade) for (_, u, p), r in sorted(store.state.scores.items()) if p == period
    }


def published(store, type_: str) -> list[tuple]:
    """Committed score events of a type: (unit, version, status, total, grade, rank)."""
    out = []
    for env in store.state.outbox:
        if env.type == type_:
            s = payload_of(env).score
            out.append((env.unit_id, env.aggregate_version, s.status, s.total, s.grade, s.rank))
    return out


def count(counter, label: str) -> float:
    """A labelled counter's value."""
    return sum(
        s.value
        for m in counter.collect()
        for s in m.samples
        if s.name.endswith("_total") and label in s.labels.values()
    )


def ranked(doc: dict) -> list[tuple]:
    return [(e["unit"], e["status"], e["total"], e["grade"], e["rank"]) for e in doc["units"]]


# --- recompute after facts arrive ---------------------------------------------------------------


async def test_facts_wait_for_the_plan_then_every_unit_is_scored_and_published(sf, store, deps) -> None:
    events = sf.year_events()
    await deliver(deps, events[1:])  # units and results, no plan yet
    assert (len(store.state.facts["results"]), scores(store), store.state.outbox) == (3, {}, [])

    plan = events[0]
    touched = await deliver(deps, [plan])
    assert touched.units == {PLAN: None}
    assert scores(store) == {
        "a1": (1, "final", D("86.50"), "good"),
        "v1": (1, "final", D("92.35"), "excellent"),
        "v2": (1, "final", D("80.00"), "fair"),
    }
    assert published(store, "UnitScoreUpdated") == [
        ("a1", 1, "provisional", "86.50", "good", 0),
        ("v1", 1, "provisional", "92.35", "excellent", 0),
        ("v2", 1, "provisional", "80.00", "fair", 0),
    ]
    v1 = [r for r in store.state.history if r.unit_id == "v1"]
    assert [(r.kind, r.version, r.total, exactjson.loads(r.event_ids_json)) for r in v1] == [
        ("provisional", 1, D("92.35"), [plan.event_id])
    ]
    assert ("plan", PLAN, True) in store.state.locks  # every unit: the plan lock is exclusive


async def test_a_correction_makes_a_new_version_and_a_stale_event_changes_nothing(sf, store, deps) -> None:
    await deliver(deps, sf.year_events())
    correction = sf.points_confirmed("v2", "81.505", version=2)
    touched = await deliver(deps, [correction])
    assert touched.units == {PLAN: {"v2"}}
    assert scores(store)["v2"] == (2, "final", D("81.51"), "fair")
    assert ("plan", PLAN, False) in store.state.locks  # some units: shared
    v2 = [(r.version, r.total, exactjson.loads(r.event_ids_json)) for r in store.state.history if r.unit_id == "v2"]
    assert v2[-1] == (2, D("81.51"), [correction.event_id])
    sent = len(store.state.outbox)

    stale = await deliver(deps, [sf.points_confirmed("v2", "70", version=1)])
    assert (stale.units, scores(store)["v2"], len(store.state.outbox)) == ({}, (2, "final", D("81.51"), "fair"), sent)


async def test_a_newer_fact_with_the_same_score_keeps_the_score_version(sf, store, deps) -> None:
    await deliver(deps, sf.year_events())
    sent = len(store.state.outbox)
    touched = await deliver(deps, [sf.points_confirmed("v2", "80.000", version=3)])
    assert touched.units == {PLAN: {"v2"}}
    assert (scores(store)["v2"], len(store.state.outbox)) == ((1, "final", D("80.00"), "fair"), sent)


async def test_refused_facts_are_stored_as_errors_and_block_the_close(sf, store, deps) -> None:
    await deliver(deps, sf.year_events({"v1": "92.345", "v2": "120", "a1": "86.5"}))
    assert scores(store)["v2"] == (1, "error", None, None)
    assert [u for u, *_ in published(store, "UnitScoreUpdated")] == ["a1", "v1"]
    with pytest.raises(Conflict) as refused:
        await close_period(deps, PLAN, "Y", "office")
    assert [(p.path, p.message) for p in refused.value.problems] == [
        ("units.v2", "M: manual points must be within [0, 100], not 120")
    ]
    assert (store.state.snapshots, count(deps.metrics.periods_closed, "failed")) == ({}, 1)


# --- closing a period ------------------------------------------------------------------------------


async def test_close_grades_ranks_and_writes_snapshot_version_1(sf, store, deps) -> None:
    await deliver(deps, sf.year_events())
    report = await close_period(deps, PLAN, "Y", "office")
    assert (report.snapshot_version, report.units, report.created, report.reconciled) == (1, 3, True, {})
    assert [(d.unit, d.old_total, d.new_total, d.new_grade, d.why) for d in report.diff] == [
        ("a1", None, D("86.50"), "good", ("new unit",)),
        ("v1", None, D("92.35"), "excellent", ("new unit",)),
        ("v2", None, D("80.00"), "fair", ("new unit",)),
    ]
    assert published(store, "UnitScoreGraded") == [
        ("a1", 1, "final", "86.50", "good", 1),
        ("v1", 1, "final", "92.35", "excellent", 1),
        ("v2", 1, "final", "80.00", "fair", 2),
    ]
    [period_graded] = [payload_of(e) for e in store.state.outbox if e.type == "PeriodGraded"]
    assert (period_graded.snapshot_version, period_graded.units, period_graded.closed_by) == (1, 3, "office")
    doc, version = await results_doc(deps, PLAN, "Y")
    assert (version, ranked(doc)) == (
        1,
        [
            ("a1", "final", D("86.50"), "good", 1),
            ("v1", "final", D("92.35"), "excellent", 1),
            ("v2", "final", D("80.00"), "fair", 2),
        ],
    )
    assert [(h["kind"], h["version"], h["total"]) for h in await history(deps, PLAN, "Y", "v2")] == [
        ("provisional", 1, D("80.00")),
        ("graded", 1, D("80.00")),
    ]
    assert count(deps.metrics.periods_closed, "created") == 1


async def test_a_second_close_without_change_keeps_version_1(sf, store, deps) -> None:
    await deliver(deps, sf.year_events())
    await close_period(deps, PLAN, "Y", "office")
    sent = len(store.state.outbox)
    again = await close_period(deps, PLAN, "Y", "someone else")
    assert (again.snapshot_version, again.units, again.created, again.diff) == (1, 3, False, [])
    assert len(store.state.outbox) == sent
    assert [(s["version"], s["actor"]) for s in await snapshots(deps, PLAN, "Y")] == [(1, "office")]
    assert count(deps.metrics.periods_closed, "unchanged") == 1


async def test_a_close_after_a_correction_makes_version_2_with_the_diff(sf, store, deps) -> None:
    await deliver(deps, sf.year_events())
    await close_period(deps, PLAN, "Y", "office")
    await deliver(deps, [sf.points_confirmed("v2", "86", version=2)])
    report = await close_period(deps, PLAN, "Y", "office")
    assert (report.snapshot_version, report.created) == (2, True)
    assert report.diff == [
        DiffEntry(
            "v2",
            D("80.00"),
            D("86.00"),
            "fair",
            "good",
            ("component indicators: 80.00 → 86.00", "grade: fair → good", "award_eligible: false → true"),
        )
    ]
    old, v = await results_doc(deps, PLAN, "Y", version=1)
    new, latest = await results_doc(deps, PLAN, "Y")
    assert (v, ranked(old)[2], latest, ranked(new)[2]) == (
        1,
        ("v2", "final", D("80.00"), "fair", 2),
        2,
        ("v2", "final", D("86.00"), "good", 2),
    )
    snaps = await snapshots(deps, PLAN, "Y")
    assert [(s["version"], [d["unit"] for d in s["diff"]]) for s in snaps] == [(1, ["a1", "v1", "v2"]), (2, ["v2"])]


async def test_close_reconciles_with_the_sources_first(sf, store) -> None:
    indicators = sf.FakeSnapshotClient("indicators", [*sf.year_events(), sf.period_closed()])
    inspections = sf.FakeSnapshotClient("inspections", [sf.deduction_recorded("d1", "v1", "2")])
    deps = sf.fake_dependencies(store, [indicators, inspections])
    steps: list[tuple] = []
    report = await close_period(deps, PLAN, "Y", "office", progress=lambda *step: steps.append(step))
    assert (report.snapshot_version, report.reconciled) == (1, {"indicators": 8, "inspections": 1})
    assert report.unreconciled == ["surveys"] == report.to_dict()["unreconciled"]  # said, never silent
    assert (indicators.calls, inspections.calls) == (1, 1)
    assert steps == [("reconcile", 0, 9), ("reconcile", 9, 9), ("grade", 0, 1), ("grade", 1, 1)]
    assert store.state.close_requests == []  # a snapshot's PeriodClosed is a fact, not a request
    assert len(store.state.facts["deductions"]) == 1  # stored (MANUAL_PLAN has no penalty component)
    assert ranked((await results_doc(deps, PLAN, "Y"))[0])[1] == ("v1", "final", D("92.35"), "excellent", 1)


async def test_close_refuses_a_progress_period_and_an_unknown_plan(sf, deps) -> None:
    await deliver(deps, sf.year_events())
    with pytest.raises(InvalidInput, match="'Q1' is a progress check"):
        await close_period(deps, PLAN, "Q1", "office")
    with pytest.raises(NotFound, match="not known to scoring"):
        await close_period(deps, "nope", "Y", "office")


async def test_a_quarter_the_plan_grades_closes_like_the_year(sf, store, deps) -> None:
    plan = {**sf.MANUAL_PLAN, "graded_periods": ["Q1", "Q2"]}
    await deliver(
        deps,
        [
            sf.plan_published(plan),
            *(sf.unit_upserted(u) for u in sf.UNITS),
            sf.points_confirmed("v1", "91", period="Q1"),
            sf.points_confirmed("v2", "84.995", period="Q1"),
            sf.points_confirmed("v1", "60", period="Y"),
        ],
    )
    report = await close_period(deps, PLAN, "Q1", "office")
    assert (report.period, report.snapshot_version, report.created) == ("Q1", 1, True)
    doc, version = await results_doc(deps, PLAN, "Q1")
    # a1 has no Q1 result while others do: the indicators count for it too (0, its leaf missing)
    assert (version, ranked(doc)) == (
        1,
        [
            ("a1", "final", D("0.00"), "poor", 1),
            ("v1", "final", D("91.00"), "excellent", 1),
            ("v2", "final", D("85.00"), "good", 2),
        ],
    )
    graded = [(u, v, st, t, g, r) for u, v, st, t, g, r in published(store, "UnitScoreGraded")]
    assert [g[0] for g in graded] == ["a1", "v1", "v2"]
    [period_graded] = [payload_of(e) for e in store.state.outbox if e.type == "PeriodGraded"]
    assert (period_graded.period, period_graded.snapshot_version) == ("Q1", 1)
    # the year is untouched by the quarter's snapshot; Q2 (graded, no data yet) closes empty-handed
    assert await snapshots(deps, PLAN, "Y") == []
    with pytest.raises(InvalidInput, match="'Q3' is a progress check"):
        await close_period(deps, PLAN, "Q3", "office")


# --- re-score ---------------------------------------------------------------------------------------


async def test_rescore_reports_the_diff_against_the_graded_snapshot_and_grades_nothing(sf, store) -> None:
    indicators = sf.FakeSnapshotClient("indicators", sf.year_events())
    deps = sf.fake_dependencies(store, [indicators])
    await close_period(deps, PLAN, "Y", "office")
    indicators.envelopes.append(sf.points_confirmed("v1", "89", version=2))  # corrected in the source only
    report = await rescore(deps, PLAN, "Y", "auditor")
    assert (report.against, report.units, report.reconciled) == ("snapshot:1", 3, {"indicators": 8})
    assert report.diff == [
        DiffEntry(
            "v1",
            D("92.35"),
            D("89.00"),
            "excellent",
            "good",
            ("component indicators: 92.35 → 89.00", "grade: excellent → good"),
        )
    ]
    assert scores(store)["v1"] == (2, "final", D("89.00"), "good")
    assert published(store, "UnitScoreUpdated")[-1] == ("v1", 2, "provisional", "89.00", "good", 0)
    assert [s["version"] for s in await snapshots(deps, PLAN, "Y")] == [1]
    again = await rescore(deps, PLAN, "Y", "auditor")
    assert again.diff == report.diff


async def test_rescore_before_any_close_compares_with_the_provisional_scores(sf, store) -> None:
    indicators = sf.FakeSnapshotClient("indicators", [sf.points_confirmed("a1", "70", version=2)])
    deps = sf.fake_dependencies(store, [indicators])
    await deliver(deps, sf.year_events())
    report = await rescore(deps, PLAN)
    assert (report.against, report.period) == ("provisional", "Y")
    assert report.diff == [
        DiffEntry(
            "a1",
            D("86.50"),
            D("70.00"),
            "good",
            "poor",
            ("component indicators: 86.50 → 70.00", "grade: good → poor", "award_eligible: true → false"),
        )
    ]


async def test_rescore_refuses_an_unknown_period_and_plan(deps) -> None:
    with pytest.raises(InvalidInput, match="unknown period 'Q5'"):
        await rescore(deps, PLAN, "Q5")
    with pytest.raises(NotFound, match="not known to scoring"):
        await rescore(deps, "nope")


# --- queries ------------------------------------------------------------------------------------------


async def test_results_before_a_close_are_provisional_and_ranked(sf, deps) -> None:
    await deliver(deps, sf.year_events())
    text, version = await results(deps, PLAN, "Y")
    doc = exactjson.loads(text)
    assert (version, doc["format"], ranked(doc)) == (
        0,
        "jixiao.results/v1",
        [
            ("a1", "provisional", D("86.50"), "good", 1),
            ("v1", "provisional", D("92.35"), "excellent", 1),
            ("v2", "provisional", D("80.00"), "fair", 2),
        ],
    )


async def test_results_refuse_unknown_plans_periods_and_versions(sf, deps) -> None:
    with pytest.raises(NotFound, match="not known to scoring"):
        await results(deps, "nope", "Y")
    with pytest.raises(InvalidInput, match="unknown period 'Q5'"):
        await results(deps, PLAN, "Q5")
    await deliver(deps, sf.year_events())
    with pytest.raises(NotFound, match="no graded snapshot 3"):
        await results(deps, PLAN, "Y", 3)


async def test_a_unit_score_is_provisional_until_graded_then_read_from_the_snapshot(sf, deps) -> None:
    await deliver(deps, sf.year_events())
    before = await unit_score(deps, PLAN, "Y", "v2")
    assert (
        before["snapshot_version"],
        before["version"],
        before["score"]["status"],
        before["score"]["rank"],
        before["score"]["total"],
        before["explanation"]["total_exact"],
    ) == (0, 1, "provisional", 2, D("80.00"), D("80"))
    await close_period(deps, PLAN, "Y", "office")
    graded = await unit_score(deps, PLAN, "Y", "v2")
    assert (graded["snapshot_version"], graded["score"]["status"], graded["score"]["rank"]) == (1, "final", 2)
    provisional = await unit_score(deps, PLAN, "Y", "v2", provisional=True)
    assert (provisional["snapshot_version"], provisional["score"]["status"]) == (0, "provisional")
    with pytest.raises(NotFound, match="not in snapshot 1"):
        await unit_score(deps, PLAN, "Y", "x9")
    with pytest.raises(NotFound, match="no score for unit 'x9'"):
        await unit_score(deps, PLAN, "Y", "x9", provisional=True)


async def test_rankings_by_group_snapshots_history_and_consistency(sf, store, deps) -> None:
    events = sf.year_events()
    await deliver(deps, events)
    await close_period(deps, PLAN, "Y", "office")
    villages = await rankings(deps, PLAN, "Y", group="villages")
    assert (
        villages["snapshot_version"],
        {g: [(e["unit"], e["rank"]) for e in m] for g, m in villages["groups"].items()},
    ) == (1, {"villages": [("v1", 1), ("v2", 2)]})
    assert list((await rankings(deps, PLAN, "Y"))["groups"]) == ["agency", "villages"]
    [snap] = await snapshots(deps, PLAN, "Y")
    assert (snap["version"], snap["actor"], snap["plan_version"], snap["units"]) == (1, "office", 1, 3)
    [first, graded] = await history(deps, PLAN, "Y", "v1")
    assert (first["kind"], first["events"], graded["kind"], graded["events"]) == (
        "provisional",
        [events[1].event_id, events[4].event_id, events[0].event_id],
        "graded",
        [],
    )
    with pytest.raises(NotFound, match="no score history"):
        await history(deps, PLAN, "Y", "x9")
    store.state.applied[PLAN] = {"indicators": 7, "inspections": 2}
    held = await consistency(deps, PLAN)
    assert (held["applied"], {s: d["facts"] for s, d in held["facts"].items()}) == (
        {"indicators": 7, "surveys": 0, "inspections": 2},
        {"indicators": 7, "surveys": 0, "inspections": 0},  # the plan, 3 units, 3 results
    )
    assert held["facts"]["indicators"]["sha256"] == digest_envelopes(events).sha256


# --- PeriodClosed events and the close worker -----------------------------------------------------------


async def test_period_closed_events_are_closed_by_the_worker_and_a_failure_is_kept(sf, store, deps) -> None:
    await deliver(deps, [*sf.year_events(), sf.period_closed("Q1"), sf.period_closed("Y")])
    assert [(r.period, r.actor) for r in store.state.close_requests] == [("Q1", "office"), ("Y", "office")]
    assert await run_close_requests(deps) == 2
    assert (store.state.close_requests, [s["version"] for s in await snapshots(deps, PLAN, "Y")]) == ([], [1])

    await deliver(deps, [sf.period_closed("Y", plan_id="nope"), sf.period_closed("Y")])
    assert await run_close_requests(deps) == 0  # stops at the failure; the next one waits
    [failed, waiting] = store.state.close_requests
    assert (failed.plan_id, failed.attempts, failed.last_error) == (
        "nope",
        1,
        "NotFound: plan 'nope' is not known to scoring (no PlanPublished yet)",
    )
    assert (waiting.attempts, count(deps.metrics.periods_closed, "failed")) == (0, 1)


# --- applying source events ------------------------------------------------------------------------------


async def test_apply_event_parks_what_it_cannot_store_and_ignores_other_types(sf, store, deps) -> None:
    async with deps.uow_factory() as uow:
        with pytest.raises(InvalidInput, match="unknown period 'Q9'"):
            await apply_event(uow.repo, sf.points_confirmed("v1", "1", period="Q9"))
        with pytest.raises(InvalidInput, match="points: not a decimal"):
            await apply_event(uow.repo, sf.points_confirmed("v1", "lots"))
        with pytest.raises(InvalidInput, match="PeriodClosed: unknown period"):
            await apply_event(uow.repo, sf.period_closed("Q9"))
        ours = make_envelope(
            source="scoring",
            plan_id=PLAN,
            unit_id="v1",
            payload=scores_pb2.UnitScoreUpdated(plan_id=PLAN, period="Y", version=1),
        )
        assert await apply_event(uow.repo, ours) is None
        nameless = make_envelope(
            source="scoring", plan_id=PLAN, payload=scores_pb2.UnitScoreUpdated(plan_id=PLAN, period="Y", version=1)
        )
        with pytest.raises(InvalidInput, match="no unit id"):
            await apply_event(uow.repo, nameless)
    assert store.state.facts == {}


async def test_a_revocation_seen_before_its_deduction_keeps_the_revocation(sf, store, deps) -> None:
    async with deps.uow_factory() as uow:
        assert await apply_event(uow.repo, sf.deduction_revoked("d1", "v1", version=2)) is not None
        late = await apply_event(uow.repo, sf.deduction_recorded("d1", "v1", "3.5", version=1))
        again = await apply_event(uow.repo, sf.deduction_recorded("d1", "v1", "3.5", version=1))
        await uow.commit()
    [row] = store.state.facts["deductions"].values()
    assert (late is not None, again, row.recorded, row.revoked, row.reason, row.points, row.version) == (
        True,
        None,
        True,
        True,
        "appeal upheld",
        D("3.5"),
        2,
    )

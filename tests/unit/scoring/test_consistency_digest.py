"""`jixiao results --wait` compares the digest of each source's current facts with the one scoring
computes over its fact tables: equal once scoring holds every fact at its latest version, whether it
came over Kafka (in any order, duplicated, replayed) or from a snapshot; one missing or stale fact
names the source and how far behind scoring is."""

from __future__ import annotations

import random

import pytest

from jixiao.fact_digest import FACT_KINDS, FactDigest, digest_envelopes, lags
from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import indicators_pb2, inspections_pb2, people_pb2, surveys_pb2
from services.scoring.adapters import orm
from services.scoring.adapters.source_events import apply_event
from services.scoring.service.queries import consistency

pytestmark = pytest.mark.unit
PLAN = "t-2026"
SOURCES = ("indicators", "surveys", "inspections")


def event(source: str, payload, unit: str, aggregate: str, version: int):
    return make_envelope(
        source=source, plan_id=PLAN, unit_id=unit, aggregate_id=aggregate, version=version, payload=payload
    )


def history(sf) -> list:
    """Every event the sources published for the plan, corrections and revocations included."""
    pending = indicators_pb2.IndicatorResultConfirmed(
        plan_id=PLAN, unit_id="v2", indicator_id="M", period="Y", result_id="v2:M@Y", version=3, points="1"
    )  # a pending correction: not a fact until confirmed (the snapshot leaves it out)
    return [
        *sf.year_events(),
        sf.points_confirmed("v2", "70", version=2),
        event("indicators", pending, "v2", "v2:M@Y", 3),
        sf.period_closed(),
        event(
            "surveys",
            surveys_pb2.SurveyScoreUpdated(plan_id=PLAN, unit_id="v1", round_id="final", version=2, score="90"),
            "v1",
            "final/v1",
            2,
        ),
        sf.deduction_recorded("d1", "v1", "1"),
        sf.deduction_revoked("d1", "v1", version=2),
        sf.deduction_recorded("d2", "a1", "0.5"),
        event(
            "inspections",
            inspections_pb2.VetoIssued(
                plan_id=PLAN, unit_id="v2", veto_id="vt1", category="work_safety", date="2026-04-01", version=1
            ),
            "v2",
            "vt1",
            1,
        ),
        event(
            "inspections",
            inspections_pb2.VetoLifted(plan_id=PLAN, unit_id="v2", veto_id="vt1", version=2),
            "v2",
            "vt1",
            2,
        ),
        event(
            "inspections",
            people_pb2.StaffMemberUpserted(plan_id=PLAN, unit_id="v1", staff_id="p1", name="甲", version=1),
            "v1",
            "p1",
            1,
        ),
        event(
            "inspections",
            people_pb2.StaffMemberRemoved(plan_id=PLAN, unit_id="v1", staff_id="p1", version=2),
            "v1",
            "p1",
            2,
        ),
        event(
            "inspections",
            people_pb2.LeaveRecorded(plan_id=PLAN, unit_id="v1", leave_id="l1", staff_id="p1", type="sick", version=1),
            "v1",
            "l1",
            1,
        ),
    ]


def at_sources(events) -> dict[str, FactDigest]:
    return {s: digest_envelopes(e for e in events if e.source == s) for s in SOURCES}


async def deliver(deps, envelopes, *, from_snapshot: bool = False) -> None:
    async with deps.uow_factory() as uow:
        for env in envelopes:
            await apply_event(uow.repo, env, from_snapshot=from_snapshot)
        await uow.commit()


async def held(deps) -> dict[str, FactDigest]:
    return {s: FactDigest(**d) for s, d in (await consistency(deps, PLAN))["facts"].items()}


async def test_facts_delivered_in_any_order_twice_and_replayed_match_the_sources(sf, deps) -> None:
    events = history(sf)
    shuffled = [*events, *events[3:9]]
    random.Random(7).shuffle(shuffled)
    await deliver(deps, shuffled)
    assert lags(at_sources(events), await held(deps)) == {}
    assert (await held(deps))["inspections"].facts == 6  # d1 (revoked), d2, vt1 (lifted), p1, p1 removed, l1


async def test_facts_from_a_snapshot_only_match_too(sf, deps) -> None:
    events = history(sf)
    superseded = [
        e for e in events if e.type == "IndicatorResultConfirmed" and e.unit_id == "v2" and e.aggregate_version != 2
    ]
    latest = [e for e in events if e.type != "PeriodClosed" and e not in superseded]  # what the snapshots stream
    await deliver(deps, latest, from_snapshot=True)
    assert lags(at_sources(events), await held(deps)) == {}


async def test_a_missing_or_stale_fact_names_its_source_and_how_far_behind(sf, deps) -> None:
    events = history(sf)
    revocation = next(e for e in events if e.type == "DeductionRevoked")
    survey = next(e for e in events if e.source == "surveys")
    await deliver(deps, [e for e in events if e not in (revocation, survey)])
    assert lags(at_sources(events), await held(deps)) == {
        "inspections": "inspections: 6 facts held, not all at the source's latest versions",
        "surveys": "surveys: 1 of 1 facts missing in scoring",
    }
    await deliver(deps, [revocation, survey])
    assert lags(at_sources(events), await held(deps)) == {}


def test_every_fact_table_of_scoring_has_its_source_in_the_digest() -> None:
    assert {t.name for t in orm.FACT_TABLES} == set(FACT_KINDS)

"""Scoring's SnapshotService of jixiao.scores.v1 (what reports re-reads after a broker loss) carries the
graded events a live reader got: the units that changed in PeriodGraded and every person's
PersonEligibilityGraded, `changed` as at the close."""

from __future__ import annotations

import pytest

from jixiao.messaging.envelope import make_envelope, payload_of
from jixiao.proto.events.v1 import inspections_pb2, people_pb2
from services.scoring.adapters.source_events import apply_event
from services.scoring.service.closing import close_period
from services.scoring.service.recompute import Touched, recompute_touched
from services.scoring.service.score_snapshot import score_envelopes

pytestmark = pytest.mark.unit
PLAN = "t-2026"
GRADED = ("UnitScoreGraded", "PeriodGraded", "PersonEligibilityGraded")


def staff(sid: str, unit: str, *roles: str):
    payload = people_pb2.StaffMemberUpserted(
        plan_id=PLAN, unit_id=unit, staff_id=sid, name=f"name {sid}", position="科员", roles=list(roles), version=1
    )
    return make_envelope(source="inspections", plan_id=PLAN, unit_id=unit, aggregate_id=sid, version=1, payload=payload)


def veto(unit: str):
    payload = inspections_pb2.VetoIssued(
        plan_id=PLAN, unit_id=unit, veto_id="vt1", category="work_safety", date="2026-04-01", version=1
    )
    return make_envelope(
        source="inspections", plan_id=PLAN, unit_id=unit, aggregate_id="vt1", version=1, payload=payload
    )


async def deliver(deps, envelopes) -> None:
    async with deps.uow_factory() as uow:
        touched = Touched()
        for env in envelopes:
            if (touch := await apply_event(uow.repo, env)) is not None:
                touched.add(touch, env)
        await recompute_touched(deps, uow, touched)
        await uow.commit()


def comparable(envelopes) -> list[tuple]:
    """What a reader sees of the graded events: type, key, version and payload (event ids aside)."""
    out = []
    for env in envelopes:
        payload = payload_of(env)
        if env.type == "PeriodGraded":
            del payload.unit_event_ids[:]  # the ids of the unit events next to it: new ones in a rebuild
        out.append(
            (
                env.type,
                env.unit_id,
                env.aggregate_id,
                env.aggregate_version,
                payload.SerializeToString(deterministic=True),
            )
        )
    return sorted(out)


async def test_a_resynced_reader_gets_the_live_graded_events_of_the_latest_snapshot(sf, store, deps) -> None:
    await deliver(deps, [*sf.year_events(), staff("p1", "v1", "staff"), staff("p2", "v2", "head")])
    await close_period(deps, PLAN, "Y", "office")
    await deliver(deps, [sf.points_confirmed("v2", "60", version=2), veto("v2")])  # v2 and its head change
    await close_period(deps, PLAN, "Y", "office")
    live = [e for e in store.state.outbox if e.type in GRADED and payload_of(e).snapshot_version == 2]
    rebuilt = [e async for e in score_envelopes(deps, PLAN, "Y") if e.type in GRADED]
    [graded] = [payload_of(e) for e in live if e.type == "PeriodGraded"]
    people = {payload_of(e).staff_id: payload_of(e).changed for e in live if e.type == "PersonEligibilityGraded"}
    assert (list(graded.changed_unit_ids), people) == (["v2"], {"p1": False, "p2": True})
    assert comparable(rebuilt) == comparable(live)

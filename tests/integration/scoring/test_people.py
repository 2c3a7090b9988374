"""评优资格 on real PostgreSQL (migration 0005): people facts stored, eligibility kept with the snapshot."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bundle_events import all_events, bundle_events, load_doc, records

from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import inspections_pb2, people_pb2
from jixiao.rules import exactjson
from services.scoring.adapters import orm

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"


def _env(payload, unit: str, aggregate: str):
    return make_envelope(
        source="inspections", plan_id=PLAN, unit_id=unit, aggregate_id=aggregate, version=1, payload=payload
    )


async def test_people_are_graded_at_close_and_kept_with_the_snapshot(scoring) -> None:
    people = [
        _env(
            people_pb2.StaffMemberUpserted(
                plan_id=PLAN, unit_id="v01", staff_id="s1", name="刘敏", roles=["head"], version=1
            ),
            "v01",
            "s1",
        ),
        _env(
            people_pb2.StaffMemberUpserted(
                plan_id=PLAN, unit_id="v02", staff_id="s2", name="武清萍", roles=["handler"], version=1
            ),
            "v02",
            "s2",
        ),
        _env(
            people_pb2.LeaveRecorded(
                plan_id=PLAN,
                unit_id="v02",
                leave_id="l1",
                staff_id="s2",
                type="sick",
                start="2026-03-01",
                end="2026-03-20",
                version=1,
            ),
            "v02",
            "l1",
        ),
    ]
    outcomes = await scoring.applier.apply(records(all_events(bundle_events(load_doc())) + people))
    assert outcomes["parked"] == 0
    closed = await scoring.http.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"actor": "office"})
    assert closed.status_code == 200, closed.text
    assert [p["person"] for p in closed.json()["people_diff"]] == ["s1", "s2"]
    async with scoring.runtime.db.transaction() as s:
        rows = (await s.execute(sa.select(orm.person_eligibility).order_by(orm.person_eligibility.c.staff_id))).all()
        graded = (
            await s.execute(
                sa.select(sa.func.count())
                .select_from(orm.messaging.outbox)
                .where(orm.messaging.outbox.c.type == "PersonEligibilityGraded")
            )
        ).scalar_one()
    assert [(r.staff_id, r.version, r.eligible) for r in rows] == [("s1", 1, True), ("s2", 1, False)]
    assert [r["code"] for r in exactjson.loads(rows[1].entry_json)["reasons"]] == ["leave_consecutive"]
    assert graded == 2
    again = await scoring.http.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"actor": "office"})
    assert (again.json()["created"], again.json()["snapshot_version"]) == (False, 1)


def _deduction(did: str, unit: str, person: str, points: str, kind: str = "discipline"):
    return _env(
        inspections_pb2.DeductionRecorded(
            plan_id=PLAN,
            unit_id=unit,
            deduction_id=did,
            kind=kind,
            points=points,
            date="2026-06-01",
            version=1,
            person=person,
        ),
        unit,
        did,
    )


async def test_a_person_s_discipline_deductions_reach_their_eligibility(scoring) -> None:
    """inspections' DeductionRecorded.person → scoring's deductions (migration 0006) → the threshold reason."""
    doc = load_doc()
    doc["plan"]["people"] = {"deduction_threshold": 1}
    people = [
        _env(
            people_pb2.StaffMemberUpserted(plan_id=PLAN, unit_id="v01", staff_id=sid, name=name, version=1),
            "v01",
            sid,
        )
        for sid, name in (("s1", "刘敏"), ("s2", "武清萍"))
    ]
    deductions = [
        _deduction("pd1", "v01", "s1", "1.5"),  # over the threshold of 1
        _deduction("pd2", "v01", "s2", "1"),  # not over it
        _deduction("pd3", "v01", "s2", "5", kind="inspection"),  # not a discipline deduction
    ]
    outcomes = await scoring.applier.apply(records(all_events(bundle_events(doc)) + people + deductions))
    assert outcomes["parked"] == 0
    closed = await scoring.http.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"actor": "office"})
    assert closed.status_code == 200, closed.text
    async with scoring.runtime.db.transaction() as s:
        t = orm.person_eligibility
        rows = (await s.execute(sa.select(t).order_by(t.c.staff_id))).all()
        stored = (await s.execute(sa.select(orm.deductions.c.deduction_id, orm.deductions.c.person))).all()
    assert {("pd1", "s1"), ("pd2", "s2")} <= set(stored)
    entries = [exactjson.loads(r.entry_json) for r in rows]
    assert [(e["person_id"], e["eligible"], e["deduction_points"]) for e in entries] == [
        ("s1", False, "1.5"),
        ("s2", True, "1"),
    ]
    assert [r["code"] for r in entries[0]["reasons"]] == ["deductions_over_threshold"]

"""评优资格 at a graded close: every registered person's eligibility from the facts scoring stores, kept with
the snapshot, published as PersonEligibilityGraded, and a change of a person's eligibility makes a new
version whose report names the person and why."""

from __future__ import annotations

import pytest

from jixiao.messaging.envelope import make_envelope, payload_of
from jixiao.proto.events.v1 import inspections_pb2, people_pb2
from jixiao.rules import exactjson
from services.scoring.adapters.source_events import apply_event
from services.scoring.service.closing import close_period
from services.scoring.service.people import diff_people

pytestmark = pytest.mark.unit
PLAN = "t-2026"


def staff(sid: str, unit: str, name: str, *roles: str, oversees=(), version: int = 1):
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=sid,
        version=version,
        payload=people_pb2.StaffMemberUpserted(
            plan_id=PLAN,
            unit_id=unit,
            staff_id=sid,
            name=name,
            position="科员",
            roles=list(roles or ["staff"]),
            oversees=list(oversees),
            version=version,
        ),
    )


def leave(lid: str, sid: str, unit: str, type_: str, start: str, end: str):
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=lid,
        version=1,
        payload=people_pb2.LeaveRecorded(
            plan_id=PLAN, unit_id=unit, leave_id=lid, staff_id=sid, type=type_, start=start, end=end, version=1
        ),
    )


def absence(aid: str, sid: str, unit: str, day: str):
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=aid,
        version=1,
        payload=people_pb2.AbsenceRecorded(
            plan_id=PLAN, unit_id=unit, absence_id=aid, staff_id=sid, activity="labour", date=day, version=1
        ),
    )


def veto(unit: str):
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id="vt1",
        version=1,
        payload=inspections_pb2.VetoIssued(
            plan_id=PLAN, unit_id=unit, veto_id="vt1", category="work_safety", date="2026-04-01", version=1
        ),
    )


async def deliver(deps, envelopes) -> None:
    from services.scoring.service.recompute import Touched, recompute_touched

    async with deps.uow_factory() as uow:
        touched = Touched()
        for env in envelopes:
            touch = await apply_event(uow.repo, env)
            if touch is not None:
                touched.add(touch, env)
        await recompute_touched(deps, uow, touched)
        await uow.commit()


def graded(store) -> list[tuple]:
    return [
        (p.staff_id, p.unit_id, p.eligible, [r.code for r in p.reasons], p.snapshot_version, p.changed)
        for p in (payload_of(e) for e in store.state.outbox if e.type == "PersonEligibilityGraded")
    ]


# v1 92.345 excellent, v2 80 fair, a1 86.5 good; with v2 at 60 it is poor, the plan's lowest band.
PEOPLE = [
    staff("p1", "v1", "朱建军", "deputy_leader", oversees=["v2"]),  # 分管 v2
    staff("p2", "v2", "刘敏", "head"),
    staff("p3", "v2", "武清萍", "handler"),
    staff("p4", "a1", "吕锦秀"),
    leave("l1", "p3", "v2", "sick", "2026-03-01", "2026-03-20"),  # 20 consecutive sick days
    leave("l2", "p4", "a1", "maternity", "2026-03-01", "2026-06-30"),  # exempt
    leave("l3", "p4", "a1", "business_trip", "2026-09-01", "2026-09-03"),
    absence("b1", "p4", "a1", "2026-09-02"),  # on the trip: excused
    absence("b2", "p4", "a1", "2026-10-09"),  # unexcused: 0.5
]


async def test_every_person_is_graded_with_reasons_kept_and_published(sf, store, deps) -> None:
    await deliver(deps, [*sf.year_events({"v1": "92.345", "v2": "60", "a1": "86.5"}), *PEOPLE, veto("v2")])
    report = await close_period(deps, PLAN, "Y", "office")
    assert graded(store) == [
        ("p4", "a1", True, [], 1, True),
        ("p1", "v1", False, ["overseen_unit_vetoed"], 1, True),
        ("p2", "v2", False, ["unit_vetoed", "failing_unit_leader"], 1, True),
        ("p3", "v2", False, ["leave_consecutive"], 1, True),
    ]
    [p4] = [payload_of(e) for e in store.state.outbox if e.type == "PersonEligibilityGraded"][:1]
    assert (
        dict(p4.leave_days),
        p4.absences,
        p4.unexcused_absences,
        p4.deduction_points,
        p4.unit_grade,
        p4.name,
        p4.position,
    ) == ({"maternity": 122, "business_trip": 3}, 2, 1, "0.5", "good", "吕锦秀", "科员")
    kept = {k[3]: exactjson.loads(r.entry_json) for k, r in store.state.person_eligibility.items()}
    assert (sorted(kept), kept["p2"]["reasons"][1]["label"]) == (
        ["p1", "p2", "p3", "p4"],
        "科室考核不合格,科室领导不得评优",
    )
    assert [(c.staff_id, c.why) for c in report.people_diff] == [
        ("p1", ("new person",)),
        ("p2", ("new person",)),
        ("p3", ("new person",)),
        ("p4", ("new person",)),
    ]


async def test_a_person_s_change_alone_makes_a_new_version_whose_diff_names_them(sf, store, deps) -> None:
    await deliver(deps, [*sf.year_events(), *PEOPLE[:4]])
    first = await close_period(deps, PLAN, "Y", "office")
    again = await close_period(deps, PLAN, "Y", "office")
    assert (first.snapshot_version, again.created) == (1, False)
    await deliver(deps, [leave("l9", "p4", "a1", "personal", "2026-05-01", "2026-05-31")])  # 31 days of 事假
    report = await close_period(deps, PLAN, "Y", "office")
    assert (report.snapshot_version, report.diff) == (2, [])
    assert [c.to_dict() for c in report.people_diff] == [
        {
            "person": "p4",
            "unit": "a1",
            "old_eligible": True,
            "new_eligible": False,
            "why": ["eligible: true → false", "reason +leave_consecutive", "reason +leave_cumulative"],
        }
    ]
    assert [g for g in graded(store) if g[4] == 2 and g[5]] == [
        ("p4", "a1", False, ["leave_consecutive", "leave_cumulative"], 2, True)
    ]
    assert report.to_dict()["people_diff"][0]["person"] == "p4"


async def test_a_removed_person_is_no_longer_graded(sf, store, deps) -> None:
    removed = make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id="a1",
        aggregate_id="p4",
        version=2,
        payload=people_pb2.StaffMemberRemoved(plan_id=PLAN, unit_id="a1", staff_id="p4", reason="left", version=2),
    )
    await deliver(deps, [*sf.year_events(), *PEOPLE[:4], removed])
    await close_period(deps, PLAN, "Y", "office")
    assert [g[0] for g in graded(store)] == ["p1", "p2", "p3"]


async def test_a_plan_without_staff_grades_nobody_and_closes_as_before(sf, store, deps) -> None:
    await deliver(deps, sf.year_events())
    report = await close_period(deps, PLAN, "Y", "office")
    assert (graded(store), report.people_diff, store.state.person_eligibility) == ([], [], {})


def test_the_people_diff_reports_reasons_that_change_while_eligibility_does_not():
    old = [{"person_id": "p", "unit_id": "u", "eligible": False, "reasons": [{"code": "unit_vetoed"}]}]
    new = [{"person_id": "p", "unit_id": "u", "eligible": False, "reasons": [{"code": "leave_cumulative"}]}]
    assert [c.why for c in diff_people(old, new)] == [("reason +leave_cumulative", "reason -unit_vetoed")]
    assert diff_people(old, old) == [] and [c.why for c in diff_people(old, [])] == [("person no longer registered",)]


async def test_rescore_shows_changed_eligibility_against_the_snapshot(sf, store, deps) -> None:
    from services.scoring.service.rescore import rescore

    await deliver(deps, [*sf.year_events(), *PEOPLE[:4], veto("v2")])
    await close_period(deps, PLAN, "Y", "office")
    unchanged = await rescore(deps, PLAN, "Y")
    assert unchanged.people_diff == []
    await deliver(deps, [sf.points_confirmed("v2", "60", version=2)])  # v2 falls to poor: its head loses it too
    report = await rescore(deps, PLAN, "Y")
    assert [(c.staff_id, c.old_eligible, c.new_eligible, c.why) for c in report.people_diff] == [
        ("p2", False, False, ("reason +failing_unit_leader",))
    ]
    assert report.to_dict()["people_diff"][0]["person"] == "p2"


async def test_the_plan_s_people_section_sets_the_rules(sf, store, deps) -> None:
    plan = {**sf.MANUAL_PLAN, "people": {"max_consecutive_leave_days": 25, "deduction_threshold": 0}}
    events = [e for e in sf.year_events() if e.type != "PlanPublished"]
    await deliver(deps, [sf.plan_published(plan), *events, *PEOPLE])
    await close_period(deps, PLAN, "Y", "office")
    assert [(g[0], g[3]) for g in graded(store)] == [
        ("p4", ["deductions_over_threshold"]),
        ("p1", []),
        ("p2", []),
        ("p3", []),
    ]


def person_deduction(did: str, sid: str, unit: str, points: str, kind: str = "discipline", version: int = 1):
    """A discipline deduction of one person (DeductionRecorded.person)."""
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=did,
        version=version,
        payload=inspections_pb2.DeductionRecorded(
            plan_id=PLAN,
            unit_id=unit,
            deduction_id=did,
            kind=kind,
            points=points,
            date="2026-06-01",
            version=version,
            person=sid,
        ),
    )


def revoked(did: str, unit: str, version: int = 2):
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=did,
        version=version,
        payload=inspections_pb2.DeductionRevoked(
            plan_id=PLAN, unit_id=unit, deduction_id=did, reason="entered twice", version=version
        ),
    )


async def test_a_person_s_own_discipline_deductions_count_towards_the_threshold(sf, store, deps) -> None:
    plan = {**sf.MANUAL_PLAN, "people": {"max_consecutive_leave_days": 25, "deduction_threshold": 1}}
    events = [e for e in sf.year_events() if e.type != "PlanPublished"]
    await deliver(
        deps,
        [
            sf.plan_published(plan),
            *events,
            *PEOPLE,
            person_deduction("d1", "p4", "a1", "0.5"),  # p4: 0.5 for the absence + 0.5 = 1, not over 1
            person_deduction("d2", "p2", "v2", "1.5"),  # p2: 1.5 > 1
            person_deduction("d3", "p3", "v2", "2", kind="inspection"),  # not a discipline deduction: not counted
            person_deduction("d4", "p1", "v1", "3"),  # revoked below: not counted
            revoked("d4", "v1"),
        ],
    )
    await close_period(deps, PLAN, "Y", "office")
    assert [(g[0], g[3]) for g in graded(store)] == [
        ("p4", []),
        ("p1", []),
        ("p2", ["deductions_over_threshold"]),
        ("p3", []),
    ]
    entries = {p.staff_id: p.deduction_points for p in map(payload_of, store.state.outbox) if hasattr(p, "staff_id")}
    assert (entries["p4"], entries["p2"], entries["p3"], entries["p1"]) == ("1", "1.5", "0", "0")


async def test_a_person_s_deduction_arriving_after_the_close_changes_their_eligibility_on_rescore(
    sf, store, deps
) -> None:
    from services.scoring.service.rescore import rescore

    plan = {**sf.MANUAL_PLAN, "people": {"deduction_threshold": 1}}
    events = [e for e in sf.year_events() if e.type != "PlanPublished"]
    await deliver(deps, [sf.plan_published(plan), *events, *PEOPLE[:4]])
    await close_period(deps, PLAN, "Y", "office")
    await deliver(deps, [person_deduction("d9", "p4", "a1", "1.5")])
    report = await rescore(deps, PLAN, "Y")
    assert [(c.staff_id, c.old_eligible, c.new_eligible) for c in report.people_diff] == [("p4", True, False)]


def leave_form(lid: str, sid: str, unit: str, start: str, end: str, approval: str, version: int):
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=lid,
        version=version,
        payload=people_pb2.LeaveRecorded(
            plan_id=PLAN,
            unit_id=unit,
            leave_id=lid,
            staff_id=sid,
            type="sick",
            start=start,
            end=end,
            version=version,
            approval=approval,
        ),
    )


async def test_a_pending_leave_counts_and_is_shown_and_once_rejected_it_is_no_leave(sf, store, deps) -> None:
    from services.scoring.service.rescore import rescore

    pending = leave_form("f1", "p4", "a1", "2026-04-01", "2026-04-20", "pending", 1)  # 20 sick days
    await deliver(deps, [*sf.year_events(), *PEOPLE[:4], pending])
    await close_period(deps, PLAN, "Y", "office")
    graded_events = [p for p in map(payload_of, store.state.outbox) if getattr(p, "staff_id", "") == "p4"]
    assert [(p.eligible, [r.code for r in p.reasons], p.pending_leave_days) for p in graded_events] == [
        (False, ["leave_consecutive"], 20)
    ]
    # the head rejects the form: a new version of LeaveRecorded; the days are no leave any more
    await deliver(deps, [leave_form("f1", "p4", "a1", "2026-04-01", "2026-04-20", "rejected", 2)])
    report = await rescore(deps, PLAN, "Y")
    assert [(c.staff_id, c.old_eligible, c.new_eligible) for c in report.people_diff] == [("p4", False, True)]
    # an older version arriving late changes nothing (latest version wins)
    await deliver(deps, [pending])
    assert [(c.staff_id, c.new_eligible) for c in (await rescore(deps, PLAN, "Y")).people_diff] == [("p4", True)]

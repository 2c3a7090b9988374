"""The staff register (干部职工): imported with the bundle, edited by the office, published, masked in audit."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest

from jixiao.errors import InvalidInput, NotFound
from jixiao.messaging.envelope import payload_of
from jixiao.samples import BAILIAN_BUNDLE
from services.inspections.domain.staff import mask_name
from services.inspections.service import handlers as h
from services.inspections.service import staff as st

pytestmark = pytest.mark.unit

PLAN = "bailian-2026"
# The transport bureau's 交战办 as the seed names its chain: 主管领导, 分管领导, 科室责任人, 承办人.
STAFF = [
    {"id": "s1", "name": "阿克然木·玉努斯", "unit": "v01", "position": "局长", "roles": ["主管领导"]},
    {
        "id": "s2",
        "name": "朱建军",
        "unit": "v01",
        "position": "副局长",
        "roles": ["deputy_leader"],
        "oversees": ["v02"],
    },
    {"id": "s3", "name": "巴哈尔古丽", "unit": "v02", "position": "科长", "roles": ["科室责任人", "承办人"]},
    {"id": "s4", "name": "武清萍", "unit": "v02"},
]


def bundle(staff=STAFF) -> dict:
    doc = json.loads(BAILIAN_BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)
    doc["staff"] = [dict(s) for s in staff]
    return doc


def staff_events(uow) -> list:
    return [(e.type, payload_of(e)) for e in uow.events if e.type.startswith("StaffMember")]


def test_a_name_is_masked_to_its_first_character():
    assert [mask_name(n) for n in ("刘敏", "阿克然木·玉努斯", "王", "")] == ["刘*", "阿*******", "王*", ""]


async def test_the_bundle_s_staff_is_imported_with_codes_for_chinese_role_labels_and_published(uow):
    counts = await h.import_bundle(uow, bundle(), "importer")
    assert counts.staff == {"received": 4, "created": 4, "updated": 0, "unchanged": 0}
    members = await st.list_members(uow, PLAN)
    assert [(m.id, m.unit_id, m.roles, m.oversees) for m in members] == [
        ("s1", "v01", ["leader"], []),
        ("s2", "v01", ["deputy_leader"], ["v02"]),
        ("s3", "v02", ["head", "handler"], []),
        ("s4", "v02", ["staff"], []),
    ]
    events = staff_events(uow)
    assert [(t, p.staff_id, list(p.roles), p.version) for t, p in events] == [
        ("StaffMemberUpserted", "s1", ["leader"], 1),
        ("StaffMemberUpserted", "s2", ["deputy_leader"], 1),
        ("StaffMemberUpserted", "s3", ["head", "handler"], 1),
        ("StaffMemberUpserted", "s4", ["staff"], 1),
    ]
    assert (events[1][1].name, list(events[1][1].oversees), uow.events[-1].unit_id) == ("朱建军", ["v02"], "v02")


async def test_importing_again_is_idempotent_and_a_change_is_one_new_version(uow):
    await h.import_bundle(uow, bundle(), "importer")
    again = await h.import_bundle(uow, bundle(), "importer")
    assert (again.staff["unchanged"], again.events) == (4, 0)
    changed = [dict(s) for s in STAFF]
    changed[3]["roles"] = ["handler"]
    third = await h.import_bundle(uow, bundle(changed), "importer")
    assert (third.staff["updated"], third.events) == (1, 1)
    t, p = staff_events(uow)[-1]
    assert (t, p.staff_id, list(p.roles), p.version) == ("StaffMemberUpserted", "s4", ["handler"], 2)


async def test_a_bad_register_rejects_the_whole_import_with_every_problem(uow):
    bad = [
        *STAFF,
        {"id": "s5", "name": "x", "unit": "nowhere", "roles": ["boss"]},
        {"id": "s1", "name": "y", "unit": "v01"},
    ]
    with pytest.raises(InvalidInput) as err:
        await h.import_bundle(uow, bundle(bad), "importer")
    assert [p.path for p in err.value.problems] == ["$.staff[4].unit", "$.staff[4].roles", "$.staff[5].id"]
    assert (uow.events, uow.state.staff) == ([], {})


async def test_names_are_masked_in_audit_and_never_logged(uow, caplog):
    caplog.set_level(logging.DEBUG)
    await h.import_bundle(uow, bundle(), "importer")
    rows = [a for a in uow.state.audit if a.entity_type == "staff"]
    assert [(a.action, a.after["name"]) for a in rows][:2] == [
        ("staff.imported", "阿*******"),
        ("staff.imported", "朱**"),
    ]
    assert not any(s["name"] in caplog.text for s in STAFF)


async def test_the_office_registers_changes_and_removes_a_person(uow):
    await h.import_bundle(uow, bundle(), "importer")
    m, outcome = await st.put_member(
        uow, PLAN, "s9", {"name": "吕锦秀", "unit": "v02", "position": "科员", "roles": ["承办人"]}, "office"
    )
    assert (outcome, m.roles, m.version) == ("created", ["handler"], 1)
    _, again = await st.put_member(
        uow, PLAN, "s9", {"name": "吕锦秀", "unit": "v02", "position": "科员", "roles": ["handler"]}, "office"
    )
    m, moved = await st.put_member(uow, PLAN, "s9", {"name": "吕锦秀", "unit": "v01", "roles": ["handler"]}, "office")
    assert (again, moved, m.unit_id, m.version) == ("unchanged", "updated", "v01", 2)
    with pytest.raises(InvalidInput):
        await st.remove_member(uow, PLAN, "s9", " ", "office")
    removed = await st.remove_member(uow, PLAN, "s9", "transferred to the county", "office")
    t, p = staff_events(uow)[-1]
    assert (removed.status, t, p.staff_id, p.reason, p.version) == (
        "removed",
        "StaffMemberRemoved",
        "s9",
        "transferred to the county",
        3,
    )
    assert "s9" not in [x.id for x in await st.list_members(uow, PLAN)]
    assert [x.id for x in await st.list_members(uow, PLAN, "v01", include_removed=True)] == ["s1", "s2", "s9"]
    audit = [a for a in uow.state.audit if a.entity_id == "s9"]
    assert [(a.action, a.after["name"], a.reason) for a in audit] == [
        ("staff.registered", "吕**", ""),
        ("staff.registered", "吕**", ""),
        ("staff.removed", "吕**", "transferred to the county"),
    ]


async def test_an_unknown_unit_or_person_is_refused(uow):
    await h.import_bundle(uow, bundle(), "importer")
    with pytest.raises(InvalidInput) as err:
        await st.put_member(uow, PLAN, "s9", {"name": "x", "unit": "zz"}, "office")
    assert [p.path for p in err.value.problems] == ["unit"]
    with pytest.raises(NotFound):
        await st.get_member(uow, PLAN, "nobody")
    with pytest.raises(NotFound):
        await st.remove_member(uow, PLAN, "nobody", "left", "office")


# --- leave with a type and a staff id; absences of registered people ------------------------------


async def test_a_leave_has_a_type_and_a_registered_person(uow):
    from datetime import date

    from services.inspections.domain import commands as c

    await h.import_bundle(uow, bundle(), "importer")
    leave, _ = await h.record_leave(
        uow,
        c.RecordLeave(PLAN, "v02", "", date(2026, 3, 1), date(2026, 3, 3), type="business_trip", person_id="s4"),
        "office",
    )
    assert (leave.person, leave.type, leave.person_id) == ("武清萍", "business_trip", "s4")
    with pytest.raises(InvalidInput) as err:
        await h.record_leave(
            uow, c.RecordLeave(PLAN, "v02", "x", date(2026, 3, 1), date(2026, 3, 3), type="vacation"), "office"
        )
    assert [p.path for p in err.value.problems] == ["type"]
    with pytest.raises(InvalidInput) as err:
        await h.record_leave(
            uow, c.RecordLeave(PLAN, "v01", "", date(2026, 3, 1), date(2026, 3, 3), person_id="s4"), "office"
        )
    assert [p.path for p in err.value.problems] == ["person_id"]
    old, _ = await h.record_leave(uow, c.RecordLeave(PLAN, "v02", "王五", date(2026, 4, 1), date(2026, 4, 2)), "office")
    assert (old.type, old.person_id) == ("personal", "")  # as before types: counted like 事假


async def test_an_absence_on_a_day_of_a_trip_is_excused_and_deducts_nothing(uow):
    from datetime import date

    from services.inspections.domain import commands as c

    await h.import_bundle(uow, bundle(), "importer")
    await h.record_leave(
        uow,
        c.RecordLeave(PLAN, "v02", "", date(2026, 3, 1), date(2026, 3, 3), type="business_trip", person_id="s4"),
        "office",
    )
    covered, _ = await h.record_absence(
        uow, c.RecordAbsence(PLAN, "v02", "", "labour", date(2026, 3, 2), person_id="s4"), "office"
    )
    other, _ = await h.record_absence(
        uow, c.RecordAbsence(PLAN, "v02", "", "study", date(2026, 3, 4), person_id="s4"), "office"
    )
    assert (covered.excused, covered.deduction_id, other.excused, bool(other.deduction_id), other.person) == (
        True,
        "",
        False,
        True,
        "武清萍",
    )
    people = [(e.type, payload_of(e)) for e in uow.events if e.type in ("LeaveRecorded", "AbsenceRecorded")]
    assert [(t, p.staff_id, getattr(p, "type", ""), getattr(p, "excused", None)) for t, p in people] == [
        ("LeaveRecorded", "s4", "business_trip", None),
        ("AbsenceRecorded", "s4", "", True),
        ("AbsenceRecorded", "s4", "", False),
    ]


LEAVES = [
    {"id": "l1", "unit": "v02", "person": "s4", "type": "sick", "start": "2026-03-01", "end": "2026-03-20"},
    {"id": "l2", "unit": "v02", "person": "s3", "type": "business_trip", "start": "2026-05-10", "end": "2026-05-12"},
]
ABSENCES = [
    {"id": "a1", "unit": "v02", "person": "s3", "activity": "labour", "date": "2026-05-11"},  # on the trip
    {"id": "a2", "unit": "v02", "person": "s3", "activity": "study", "date": "2026-06-03"},  # unexcused
    {"id": "a3", "unit": "v02", "person": "s4", "activity": "culture", "date": "2026-07-01", "excused": True},
]


async def test_leaves_and_absences_of_the_register_are_imported_excused_or_deducting(uow):
    doc = bundle()
    doc["leaves"], doc["absences"] = LEAVES, ABSENCES
    counts = await h.import_bundle(uow, doc, "importer")
    assert (counts.leaves, counts.absences) == (
        {"received": 2, "created": 2, "unchanged": 0},
        {"received": 3, "created": 3, "unchanged": 0, "deducting": 1},
    )
    absences = {a.id: a for a in uow.state.absences.values()}
    assert [(i, a.excused, bool(a.deduction_id), a.person) for i, a in sorted(absences.items())] == [
        ("a1", True, False, "巴哈尔古丽"),
        ("a2", False, True, "巴哈尔古丽"),
        ("a3", True, False, "武清萍"),
    ]
    types_ = [e.type for e in uow.events]
    assert (types_.count("LeaveRecorded"), types_.count("AbsenceRecorded")) == (2, 3)
    audit = [a for a in uow.state.audit if a.entity_type in ("leave", "absence")]
    assert {a.after["person"] for a in audit} == {"巴****", "武**"}
    again = await h.import_bundle(uow, doc, "importer")
    assert (again.leaves["unchanged"], again.absences["unchanged"], again.events) == (2, 3, 0)


async def test_a_leave_of_someone_not_registered_or_of_an_unknown_type_rejects_the_import(uow):
    doc = bundle()
    doc["leaves"] = [
        {**LEAVES[0], "person": "nobody"},
        {**LEAVES[1], "type": "holiday"},
        {**LEAVES[1], "id": "l3", "unit": "v01"},
    ]
    doc["absences"] = [{**ABSENCES[0], "activity": "party"}]
    with pytest.raises(InvalidInput) as err:
        await h.import_bundle(uow, doc, "importer")
    assert [p.path for p in err.value.problems] == [
        "$.leaves[0].person",
        "$.leaves[1].type",
        "$.leaves[2].unit",
        "$.absences[0].activity",
    ]
    assert uow.events == []


async def test_the_snapshot_carries_the_register_leave_and_absences_for_reconciliation(uow):
    from jixiao.messaging.envelope import decode

    doc = bundle()
    doc["leaves"], doc["absences"] = LEAVES, ABSENCES
    await h.import_bundle(uow, doc, "importer")
    await st.remove_member(uow, PLAN, "s1", "retired", "office")
    envs = [decode(b) for b in await h.snapshot(uow, PLAN)]
    people = [
        (e.type, e.aggregate_id, e.aggregate_version)
        for e in envs
        if e.type in ("StaffMemberUpserted", "StaffMemberRemoved", "LeaveRecorded", "AbsenceRecorded")
    ]
    assert people == [
        ("StaffMemberUpserted", "s1", 1),
        ("StaffMemberRemoved", "s1", 2),
        ("StaffMemberUpserted", "s2", 1),
        ("StaffMemberUpserted", "s3", 1),
        ("StaffMemberUpserted", "s4", 1),
        ("LeaveRecorded", "l1", 1),
        ("LeaveRecorded", "l2", 1),
        ("AbsenceRecorded", "a1", 1),
        ("AbsenceRecorded", "a2", 1),
        ("AbsenceRecorded", "a3", 1),
    ]


async def test_a_long_leave_goes_to_the_head_then_the_deputy_leader_then_the_leader(uow):
    from datetime import date

    from jixiao.errors import Conflict
    from services.inspections.domain import commands as c

    await h.import_bundle(uow, bundle(), "importer")
    leave, _ = await h.record_leave(
        uow, c.RecordLeave(PLAN, "v02", "", date(2026, 3, 1), date(2026, 3, 5), type="sick", person_id="s4"), "office"
    )
    assert (leave.approval, leave.approvals) == ("pending", [])
    with pytest.raises(InvalidInput) as err:  # the deputy leader cannot go before the head
        await st.decide_leave(uow, PLAN, leave.id, "s2", "approve", "", "office")
    assert [p.path for p in err.value.problems] == ["approver"]
    for approver in ("s3", "s2", "s1"):
        leave = await st.decide_leave(uow, PLAN, leave.id, approver, "approve", "", "office")
    assert (leave.approval, [(a["step"], a["approver"]) for a in leave.approvals]) == (
        "approved",
        [("head", "s3"), ("deputy_leader", "s2"), ("leader", "s1")],
    )
    with pytest.raises(Conflict):
        await st.decide_leave(uow, PLAN, leave.id, "s1", "approve", "", "office")
    steps = [a.action for a in uow.state.audit if a.entity_id == leave.id]
    assert steps == ["leave.recorded", "leave.head_approve", "leave.deputy_leader_approve", "leave.leader_approve"]


async def test_a_one_day_leave_needs_the_head_only_and_a_rejection_needs_a_reason(uow):
    from datetime import date

    from services.inspections.domain import commands as c

    await h.import_bundle(uow, bundle(), "importer")
    one, _ = await h.record_leave(
        uow,
        c.RecordLeave(PLAN, "v02", "", date(2026, 4, 1), date(2026, 4, 1), type="personal", person_id="s4"),
        "office",
    )
    assert (await st.decide_leave(uow, PLAN, one.id, "s3", "approve", "", "office")).approval == "approved"
    two, _ = await h.record_leave(
        uow,
        c.RecordLeave(PLAN, "v02", "", date(2026, 4, 6), date(2026, 4, 7), type="personal", person_id="s4"),
        "office",
    )
    with pytest.raises(InvalidInput):
        await st.decide_leave(uow, PLAN, two.id, "s3", "reject", " ", "office")
    rejected = await st.decide_leave(uow, PLAN, two.id, "s3", "reject", "no cover in the section", "office")
    assert (rejected.approval, rejected.approvals[0]["reason"]) == ("rejected", "no cover in the section")

"""A leave form's decisions reach scoring, and a REJECTED leave is no leave: it excuses no absence (those it
excused are judged again and deduct), it counts no days; a PENDING one counts and excuses meanwhile."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from jixiao.messaging.envelope import decode, payload_of
from jixiao.samples import BAILIAN_BUNDLE
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import commands as c
from services.inspections.service import handlers as h
from services.inspections.service import staff as st

pytestmark = pytest.mark.unit
PLAN = "bailian-2026"
STAFF = [
    {"id": "s1", "name": "阿克然木·玉努斯", "unit": "v01", "roles": ["leader"]},
    {"id": "s2", "name": "朱建军", "unit": "v01", "roles": ["deputy_leader"], "oversees": ["v02"]},
    {"id": "s3", "name": "巴哈尔古丽", "unit": "v02", "roles": ["head"]},
    {"id": "s4", "name": "武清萍", "unit": "v02"},
]


@pytest.fixture
async def registered(uow):
    doc = json.loads(BAILIAN_BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)
    doc["staff"] = [dict(s) for s in STAFF]
    await h.import_bundle(uow, doc, "importer")
    return uow


async def leave(uow, start: date, end: date, type_: str = "personal"):
    lv, _ = await h.record_leave(uow, c.RecordLeave(PLAN, "v02", "", start, end, type=type_, person_id="s4"), "office")
    return lv


async def absence(uow, day: date):
    a, _ = await h.record_absence(uow, c.RecordAbsence(PLAN, "v02", "", "labour", day, person_id="s4"), "office")
    return a


def events(uow, type_: str) -> list:
    return [(e.aggregate_version, payload_of(e)) for e in uow.events if e.type == type_]


async def test_every_decision_is_a_new_leave_recorded_version_with_the_approval(registered):
    uow = registered
    lv = await leave(uow, date(2026, 3, 2), date(2026, 3, 4))
    for approver in ("s3", "s2", "s1"):
        await st.decide_leave(uow, PLAN, lv.id, approver, "approve", "", "office")
    recorded = [(v, p.version, p.approval) for v, p in events(uow, "LeaveRecorded") if p.leave_id == lv.id]
    assert recorded == [(1, 1, "pending"), (2, 2, "pending"), (3, 3, "pending"), (4, 4, "approved")]
    # the snapshot for reconciliation carries the current version and approval
    async with uow:
        snap = [payload_of(decode(b)) for b in await st.people_envelopes(uow, PLAN)]
    [mine] = [p for p in snap if getattr(p, "leave_id", "") == lv.id]
    assert (mine.version, mine.approval) == (4, "approved")


async def test_a_rejected_leave_no_longer_excuses_the_absence_it_excused_which_then_deducts(registered):
    uow = registered
    lv = await leave(uow, date(2026, 3, 2), date(2026, 3, 4))
    excused = await absence(uow, date(2026, 3, 3))  # pending leave: the days are away, the absence is excused
    assert (excused.excused, excused.excused_by_leave, excused.deduction_id) == (True, lv.id, "")
    deductions_before = len(events(uow, "DeductionRecorded"))
    await st.decide_leave(uow, PLAN, lv.id, "s3", "reject", "no cover in the section", "office")
    async with uow:
        [judged] = [a for a in await uow.absences.list(PLAN, ListFilter()) if a.id == excused.id]
    assert (judged.excused, judged.excused_by_leave, judged.version) == (False, "", 2)
    assert judged.deduction_id
    new = events(uow, "DeductionRecorded")[deductions_before:]
    assert [(p.kind, p.points, p.date) for _, p in new] == [("discipline", "0.5", "2026-03-03")]
    assert [(v, p.excused) for v, p in events(uow, "AbsenceRecorded") if p.absence_id == excused.id] == [
        (1, True),
        (2, False),
    ]
    assert [(v, p.approval) for v, p in events(uow, "LeaveRecorded") if p.leave_id == lv.id][-1] == (2, "rejected")
    [row] = [a for a in uow.state.audit if a.action == "absence.rejudged"]
    assert row.after["person"] == "武**" and "武清萍" not in json.dumps(row.after, ensure_ascii=False)
    # a later absence on a day of the rejected leave is not excused either
    later = await absence(uow, date(2026, 3, 4))
    assert (later.excused, bool(later.deduction_id)) == (False, True)


async def test_another_granted_leave_covering_the_day_keeps_the_absence_excused(registered):
    uow = registered
    lv = await leave(uow, date(2026, 3, 2), date(2026, 3, 4))
    trip, _ = await h.record_leave(
        uow,
        c.RecordLeave(PLAN, "v02", "", date(2026, 3, 3), date(2026, 3, 3), type="business_trip", person_id="s4"),
        "office",
    )
    excused = await absence(uow, date(2026, 3, 3))
    await st.decide_leave(uow, PLAN, lv.id, "s3", "reject", "wrong dates", "office")
    async with uow:
        [judged] = [a for a in await uow.absences.list(PLAN, ListFilter()) if a.id == excused.id]
    assert judged.excused and judged.deduction_id == "" and judged.version == 1
    assert judged.excused_by_leave == trip.id  # the trip excuses it now


async def test_the_leave_list_of_the_year_leaves_rejected_leave_out(registered):
    uow = registered
    long = await leave(uow, date(2026, 5, 1), date(2026, 5, 20), "sick")
    _, before = await h.leave_eligibility(uow, PLAN, ListFilter())
    assert [(s.cumulative_days, s.eligible_for_excellence) for s in before] == [(20, False)]
    await st.decide_leave(uow, PLAN, long.id, "s3", "reject", "not granted", "office")
    _, after = await h.leave_eligibility(uow, PLAN, ListFilter())
    assert after == []

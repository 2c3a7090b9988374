"""Task reporting cadence (每月底上报进度月报, 每半个月上报): slots and due days across month ends,
February, leap years and half-months; progress by slot; late and missing reports; several people
per role with staff ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jixiao.errors import InvalidInput
from services.indicators.domain import people
from services.indicators.domain import task_reporting as rep
from services.indicators.domain import tasks as task_rules
from services.indicators.domain.errors import WrongState
from services.indicators.domain.model import PUBLISHED, Plan, Unit
from services.indicators.domain.validation import plan_problems
from services.indicators.service import handlers as h

pytestmark = pytest.mark.unit
SECTION = Unit("p", "a01", "党政办", "agency")
PLAN_ID = "bailian-2026"
D = dt.date


def plan(year: int = 2026, **calendar) -> Plan:
    return Plan(
        "p",
        year,
        "方案",
        {"calendar": calendar} if calendar else {},
        [{"id": "I1", "parent": None}, {"id": "I1.1", "parent": "I1", "target": 10}],
        status=PUBLISHED,
    )


def spec(**changes) -> dict:
    return {
        "indicator": "I1.1",
        "unit": "a01",
        "title": "公路建设",
        "quantity": Decimal("75"),
        "unit_of_measure": "km",
        "deadline": D(2026, 12, 31),
        "cadence": "monthly",
        **changes,
    }


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def paths(exc: pytest.ExceptionInfo) -> set[str]:
    return {p.path for p in exc.value.problems}


# --- slots and due days -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "code", "first", "last"),
    [
        ("monthly", "2026-01", D(2026, 1, 1), D(2026, 1, 31)),
        ("monthly", "2026-02", D(2026, 2, 1), D(2026, 2, 28)),  # February of a common year
        ("monthly", "2028-02", D(2028, 2, 1), D(2028, 2, 29)),  # leap year
        ("monthly", "2026-04", D(2026, 4, 1), D(2026, 4, 30)),
        ("monthly", "2026-12", D(2026, 12, 1), D(2026, 12, 31)),
        ("half_monthly", "2026-03-H1", D(2026, 3, 1), D(2026, 3, 15)),
        ("half_monthly", "2026-03-H2", D(2026, 3, 16), D(2026, 3, 31)),
        ("half_monthly", "2026-02-H2", D(2026, 2, 16), D(2026, 2, 28)),
        ("half_monthly", "2024-02-H2", D(2024, 2, 16), D(2024, 2, 29)),
        ("half_monthly", "2026-06-H2", D(2026, 6, 16), D(2026, 6, 30)),
        ("quarterly", "Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("quarterly", "Q2", D(2026, 4, 1), D(2026, 6, 30)),
        ("quarterly", "Q4", D(2026, 10, 1), D(2026, 12, 31)),
    ],
)
def test_a_slot_runs_from_its_first_to_its_last_day(cadence, code, first, last):
    slot = rep.parse_slot(cadence, code, 2026)
    assert (slot.first, slot.last, slot.due(), slot.due(5)) == (first, last, last, last + dt.timedelta(days=5))
    assert rep.slot_of(cadence, first, 2026) == slot and rep.slot_of(cadence, last, 2026) == slot


@pytest.mark.parametrize(
    ("cadence", "code"),
    [
        ("monthly", "2026-13"),
        ("monthly", "2026-00"),
        ("monthly", "2026-3"),
        ("monthly", "Q1"),
        ("monthly", "2026-03-H1"),
        ("half_monthly", "2026-03"),
        ("half_monthly", "2026-03-H3"),
        ("quarterly", "Q5"),
        ("quarterly", "2026-03"),
        ("weekly", "2026-03"),
        ("monthly", None),
    ],
)
def test_a_code_that_is_no_slot_of_the_cadence_is_refused_naming_the_field(cadence, code):
    assert rep.parse_slot(cadence, code, 2026) is None
    if cadence in rep.CADENCES:
        with pytest.raises(InvalidInput) as exc:
            rep.check_slot(cadence, code, 2026)
        assert paths(exc) == {"slot"}


def test_slots_cover_a_span_in_order_and_a_grace_moves_the_due_day_across_a_month_end():
    halves = rep.slots_between("half_monthly", D(2028, 2, 10), D(2028, 3, 20), 2028)
    assert [(s.code, s.last) for s in halves] == [
        ("2028-02-H1", D(2028, 2, 15)),
        ("2028-02-H2", D(2028, 2, 29)),
        ("2028-03-H1", D(2028, 3, 15)),
        ("2028-03-H2", D(2028, 3, 31)),
    ]
    assert halves[1].due(3) == D(2028, 3, 3) and rep.parse_slot("monthly", "2026-12", 2026).due(10) == D(2027, 1, 10)
    months = rep.slots_between("monthly", D(2026, 11, 5), D(2027, 3, 31), 2026)  # into the assessment months
    assert [s.code for s in months] == ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03"]
    quarters = rep.slots_between("quarterly", D(2026, 5, 1), D(2027, 3, 31), 2026)  # quarters of the year only
    assert [s.code for s in quarters] == ["Q2", "Q3", "Q4"]


@pytest.mark.parametrize(("raw", "ok"), [(None, 0), (0, 0), (5, 5), (-1, None), ("3", None), (True, None), (400, None)])
def test_the_plans_grace_is_a_whole_number_of_days(raw, ok):
    cal = {} if raw is None else {rep.GRACE_FIELD: raw}
    if ok is not None:
        assert rep.grace_days(cal) == ok
        return
    with pytest.raises(InvalidInput) as exc:
        rep.grace_days(cal)
    assert paths(exc) == {"$.plan.calendar.task_report_grace_days"}


# --- progress by slot, late and missing reports ----------------------------------------------------


def test_progress_follows_the_cadence_and_a_replaced_slot_keeps_when_it_was_first_reported():
    t = task_rules.new_task("t", plan(), spec(), SECTION)
    task_rules.record_progress(t, "2026-02", Decimal(10), None, "甲", at(D(2026, 2, 27)), 2026)
    task_rules.record_progress(t, "2026-01", Decimal(4), None, "甲", at(D(2026, 2, 3)), 2026)
    assert [e["slot"] for e in t.progress] == ["2026-01", "2026-02"]
    again = task_rules.record_progress(t, "2026-01", Decimal(5), "更正", "乙", at(D(2026, 3, 9)), 2026)
    assert (
        again["reported_at"] == at(D(2026, 2, 3)).isoformat() and again["recorded_at"] == at(D(2026, 3, 9)).isoformat()
    )
    with pytest.raises(InvalidInput) as exc:
        task_rules.record_progress(t, "Q1", Decimal(12), None, "甲", at(D(2026, 3, 9)), 2026)
    assert paths(exc) == {"slot"}
    with pytest.raises(InvalidInput) as exc:
        task_rules.record_progress(t, "2026-03", Decimal(9), None, "甲", at(D(2026, 3, 9)), 2026)
    assert paths(exc) == {"done"} and "below the 10 recorded for 2026-02" in exc.value.problems[0].message
    assert t.revision == 4


def test_late_and_missing_reports_with_days_late_and_the_plans_grace():
    t = task_rules.new_task("t", plan(), spec(cadence="half_monthly", deadline=D(2026, 3, 31)), SECTION)
    task_rules.record_progress(t, "2026-01-H1", Decimal(5), None, "甲", at(D(2026, 1, 15)), 2026)  # on the day
    task_rules.record_progress(t, "2026-01-H2", Decimal(9), None, "甲", at(D(2026, 2, 4)), 2026)  # 4 days late
    # 2026-02-H1 missing; 2026-02-H2 (due 02-28) reported on 03-01: one day late
    task_rules.record_progress(t, "2026-02-H2", Decimal(20), None, "甲", at(D(2026, 3, 1)), 2026)
    late = task_rules.late_reports(t, plan(), D(2026, 3, 20))
    assert [(x.slot, x.due, x.status, x.days_late) for x in late] == [
        ("2026-01-H2", D(2026, 1, 31), "late", 4),
        ("2026-02-H1", D(2026, 2, 15), "missing", 33),
        ("2026-02-H2", D(2026, 2, 28), "late", 1),
        ("2026-03-H1", D(2026, 3, 15), "missing", 5),
    ]  # 2026-03-H2 is not due yet
    graced = task_rules.late_reports(t, plan(**{rep.GRACE_FIELD: 5}), D(2026, 3, 20))
    assert [(x.slot, x.due, x.status, x.days_late) for x in graced] == [("2026-02-H1", D(2026, 2, 20), "missing", 28)]
    # on the day a report falls due it is not yet missing; the day after it is
    assert [x.slot for x in task_rules.late_reports(t, plan(), D(2026, 3, 15))][-1] == "2026-02-H2"
    assert [(x.slot, x.days_late) for x in task_rules.late_reports(t, plan(), D(2026, 3, 16))][-1] == ("2026-03-H1", 1)


def test_reports_are_due_from_reporting_from_and_stop_once_the_full_quantity_is_reported():
    t = task_rules.new_task("t", plan(), spec(quantity=Decimal(10), reporting_from=D(2026, 5, 20)), SECTION)
    assert [x.slot for x in task_rules.late_reports(t, plan(), D(2026, 8, 2))] == ["2026-05", "2026-06", "2026-07"]
    task_rules.record_progress(t, "2026-06", Decimal(10), None, "甲", at(D(2026, 6, 30)), 2026)
    assert [x.slot for x in task_rules.late_reports(t, plan(), D(2026, 12, 2))] == ["2026-05"]
    quarterly = task_rules.new_task("q", plan(), spec(cadence="quarterly"), SECTION)
    assert [x.slot for x in task_rules.late_reports(quarterly, plan(), D(2027, 1, 5))] == ["Q1", "Q2", "Q3", "Q4"]
    without = task_rules.new_task("n", plan(), spec(cadence=None), SECTION)
    assert task_rules.late_reports(without, plan(), D(2027, 1, 5)) == []


def test_the_cadence_cannot_change_once_progress_is_reported():
    t = task_rules.new_task("t", plan(), spec(), SECTION)
    task_rules.change_task(t, plan(), spec(cadence="half_monthly"), SECTION)  # no progress yet: allowed
    task_rules.record_progress(t, "2026-01-H2", Decimal(1), None, "甲", at(D(2026, 1, 31)), 2026)
    with pytest.raises(WrongState):
        task_rules.change_task(t, plan(), spec(cadence="monthly"), SECTION)


def test_a_plan_with_a_bad_grace_is_refused_naming_the_field(_bundle):
    body = {**_bundle["plan"], "calendar": {**_bundle["plan"].get("calendar", {}), rep.GRACE_FIELD: -2}}
    assert [p.path for p in plan_problems(body, _bundle["indicators"])] == ["$.plan.calendar.task_report_grace_days"]


# --- task content and the responsibility chain -----------------------------------------------------


def test_several_people_per_role_with_staff_ids_measures_and_expected_effects():
    register = {"s-1": "白建国", "s-2": "阿克然木·玉努斯"}
    t = task_rules.new_task(
        "t",
        plan(),
        spec(
            lead=[{"staff_id": "s-1"}, {"staff_id": "s-2", "name": "阿克然木"}],
            deputy=["朱建军", "纪家"],
            head="陈清河",
            handlers=[{"name": "夏国强"}, "杨炜丽"],
            measures=" 分段施工,每月督查 ",
            expected_effects="全年完成75公里",
        ),
        SECTION,
        register.get,
    )
    assert t.lead == [{"staff_id": "s-1", "name": "白建国"}, {"staff_id": "s-2", "name": "阿克然木"}]
    assert [p["name"] for p in t.deputy] == ["朱建军", "纪家"] and t.head == [{"staff_id": None, "name": "陈清河"}]
    assert [p["name"] for p in t.handlers] == ["夏国强", "杨炜丽"]
    assert (t.measures, t.expected_effects, t.cadence) == ("分段施工,每月督查", "全年完成75公里", "monthly")
    with pytest.raises(InvalidInput) as exc:
        task_rules.check_task(
            plan(), spec(lead=[{"staff_id": "s-9"}, {"staff_id": "s-1"}, {"staff_id": "s-1"}]), SECTION, register.get
        )
    assert paths(exc) == {"lead[0].staff_id", "lead[2]"}
    # without a register the ids are taken as given (a person needs an id or a name)
    free = task_rules.check_task(plan(), spec(lead=[{"staff_id": "s-9"}]), SECTION)
    assert free["lead"] == [{"staff_id": "s-9", "name": None}]


def test_stored_roles_of_older_rows_are_read_as_lists_and_names_are_masked():
    assert people.stored("黄小君") == [{"staff_id": None, "name": "黄小君"}]
    assert people.stored(["甲", {"staff_id": "s", "name": "乙"}]) == [
        {"staff_id": None, "name": "甲"},
        {"staff_id": "s", "name": "乙"},
    ]
    assert people.stored(None) == [] and people.mask("刘敏") == "刘*" and people.mask("阿克然木") == "阿***"


# --- use case on fakes ------------------------------------------------------------------------------


async def test_late_reports_of_a_plan_are_listed_by_unit_task_and_slot(uow, part):
    part["results"] = []
    await h.import_bundle(uow, part, at(D(2026, 1, 2)))
    monthly = await h.create_task(uow, PLAN_ID, spec(unit="v03"), at(D(2026, 1, 2)))
    halves = await h.create_task(
        uow, PLAN_ID, spec(cadence="half_monthly", deadline=D(2026, 2, 28)), at(D(2026, 1, 2), 10)
    )
    await h.create_task(uow, PLAN_ID, spec(cadence=None), at(D(2026, 1, 2), 11))  # no cadence: nothing due
    await h.record_progress(uow, PLAN_ID, halves.id, "2026-01-H1", Decimal(1), None, "甲", 1, at(D(2026, 1, 18)))
    found = await h.late_reports(uow, PLAN_ID, today=D(2026, 3, 2))
    assert [(t.unit_id, t.id, x.slot, x.status, x.days_late) for t, x in found] == [
        ("a01", halves.id, "2026-01-H1", "late", 3),
        ("a01", halves.id, "2026-01-H2", "missing", 30),
        ("a01", halves.id, "2026-02-H1", "missing", 15),
        ("a01", halves.id, "2026-02-H2", "missing", 2),
        ("v03", monthly.id, "2026-01", "missing", 30),
        ("v03", monthly.id, "2026-02", "missing", 2),
    ]
    only = await h.late_reports(uow, PLAN_ID, unit="v03", today=D(2026, 3, 2))
    assert [(t.id, x.slot) for t, x in only] == [(monthly.id, "2026-01"), (monthly.id, "2026-02")]
    with pytest.raises(InvalidInput) as exc:
        await h.record_progress(uow, PLAN_ID, monthly.id, "2026-13", Decimal(1), None, "甲", 1)
    assert paths(exc) == {"slot"}


# --- the staff register (inspections' StaffMemberUpserted/Removed) ---------------------------------------


async def test_staff_ids_are_checked_against_the_register_once_indicators_has_it(uow, part):
    part["results"] = []
    await h.import_bundle(uow, part, at(D(2026, 1, 2)))
    # no register yet: ids are taken as given
    free = await h.create_task(uow, PLAN_ID, spec(lead=[{"staff_id": "s9"}]), at(D(2026, 1, 2)))
    assert free.lead == [{"staff_id": "s9", "name": None}]
    assert await h.apply_staff_event(uow, PLAN_ID, "s1", "a01", "白建国", 1, removed=False)
    assert await h.apply_staff_event(uow, PLAN_ID, "s2", "a01", "朱建军", 2, removed=False)
    assert not await h.apply_staff_event(uow, PLAN_ID, "s2", "a01", "旧名", 1, removed=False)  # older: ignored
    made = await h.create_task(
        uow, PLAN_ID, spec(lead=[{"staff_id": "s1"}, {"staff_id": "s2", "name": "朱局"}]), at(D(2026, 1, 3))
    )
    assert made.lead == [{"staff_id": "s1", "name": "白建国"}, {"staff_id": "s2", "name": "朱局"}]
    with pytest.raises(InvalidInput) as exc:
        await h.create_task(uow, PLAN_ID, spec(deputy=["某人", {"staff_id": "s9"}]), at(D(2026, 1, 3)))
    assert paths(exc) == {"deputy[1].staff_id"}
    # a removed member can no longer be named; a name without an id still can
    assert await h.apply_staff_event(uow, PLAN_ID, "s2", "", "", 3, removed=True)
    with pytest.raises(InvalidInput) as exc:
        await h.update_task(uow, PLAN_ID, made.id, spec(lead=[{"staff_id": "s2"}]), 1)
    assert paths(exc) == {"lead[0].staff_id"}
    kept = await h.update_task(uow, PLAN_ID, made.id, spec(lead=[{"staff_id": "s1"}, "朱建军"]), 1)
    assert kept.lead == [{"staff_id": "s1", "name": "白建国"}, {"staff_id": None, "name": "朱建军"}]
    async with uow:
        s2 = await uow.staff.get(PLAN_ID, "s2")
    assert (s2.removed, s2.name, s2.unit_id, s2.version) == (True, "朱建军", "a01", 3)
    with pytest.raises(InvalidInput):
        await h.apply_staff_event(uow, PLAN_ID, "", "a01", "x", 1, removed=False)


@pytest.mark.parametrize("slot", ["2025-12", "2027-04", "2031-01"])
def test_a_slot_outside_the_plans_year_and_assessment_months_is_refused(slot):
    t = task_rules.new_task("t", plan(), spec(), SECTION)
    with pytest.raises(InvalidInput) as exc:
        task_rules.record_progress(t, slot, Decimal(1), None, "甲", at(D(2026, 3, 1)), 2026)
    assert paths(exc) == {"slot"} and t.progress == []
    task_rules.record_progress(t, "2027-03", Decimal(1), None, "甲", at(D(2026, 3, 1)), 2026)  # the last month

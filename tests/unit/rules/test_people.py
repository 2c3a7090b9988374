"""Who may be rated excellent (评优资格): every rule of the seeds, one case each, with its boundary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jixiao.rules.errors import ValidationError
from jixiao.rules.people import (
    DEDUCTIONS_OVER_THRESHOLD,
    FAILING_UNIT_LEADER,
    LEAVE_CONSECUTIVE,
    LEAVE_CUMULATIVE,
    LEAVE_TYPES,
    OVERSEEN_UNIT_VETOED,
    UNIT_VETOED,
    AbsenceRecord,
    LeaveRecord,
    PeopleRules,
    Person,
    PersonDeduction,
    UnitOutcome,
    eligibility,
    eligibility_of_all,
    read_people_rules,
    unit_outcome,
)

pytestmark = pytest.mark.unit

Y = 2024
RULES = PeopleRules(Y)
# The transport bureau's 办公室 as the seed names it: 主管领导 阿克然木·玉努斯, 分管领导 朱建军, 科室责任人 刘敏.
LEADER = Person("p1", "阿克然木·玉努斯", "office", "局长", frozenset({"leader"}))
DEPUTY = Person("p2", "朱建军", "office", "副局长", frozenset({"deputy_leader"}), frozenset({"office", "war"}))
HEAD = Person("p3", "刘敏", "office", "科长", frozenset({"head"}))
HANDLER = Person("p4", "武清萍", "office", "科员", frozenset({"handler"}))
CLERK = Person("p5", "吕锦秀", "office", "科员")
OK = UnitOutcome("office", "合格")


def lv(type_: str, start: str, end: str, person: str = "p5") -> LeaveRecord:
    return LeaveRecord(person, type_, date.fromisoformat(start), date.fromisoformat(end))


def ab(day: str, person: str = "p5", excused: bool = False) -> AbsenceRecord:
    return AbsenceRecord(person, date.fromisoformat(day), "labour", excused)


def codes(person: Person, unit=OK, leaves=(), absences=(), deductions=(), rules=RULES, overseen=()):
    e = eligibility(person, unit, leaves, absences, deductions, rules, overseen)
    assert e.eligible == (not e.reasons)
    return [r.code for r in e.reasons]


def test_every_leave_type_of_the_issue_is_known_with_its_label():
    assert [
        LEAVE_TYPES[t]
        for t in (
            "personal",
            "sick",
            "annual",
            "marriage",
            "bereavement",
            "maternity",
            "paternity",
            "family_visit",
            "work_injury",
            "public_holiday",
            "business_trip",
            "official_duty",
        )
    ] == ["事假", "病假", "年休假", "婚假", "丧假", "产假", "陪产假", "探亲假", "公伤假", "法定节假日", "出差", "公务"]


def test_seed_defaults_count_only_personal_and_sick_leave_and_every_type_excuses():
    assert (
        RULES.counted_leave_types,
        RULES.exempt_leave_types
        >= {
            "annual",
            "marriage",
            "bereavement",
            "maternity",
            "paternity",
            "family_visit",
            "work_injury",
            "public_holiday",
        },
        RULES.excusing_types == frozenset(LEAVE_TYPES),
    ) == (frozenset({"personal", "sick"}), True, True)


def test_a_clean_year_is_eligible():
    e = eligibility(CLERK, OK, [], [], [], RULES)
    assert (e.eligible, e.reasons, e.deduction_points) == (True, (), Decimal(0))


# --- leave: 15 consecutive / 30 cumulative days of 事假 and 病假 ----------------------------------


def test_fifteen_consecutive_days_of_sick_leave_are_allowed_sixteen_are_not():
    assert codes(CLERK, leaves=[lv("sick", "2024-03-01", "2024-03-15")]) == []
    assert codes(CLERK, leaves=[lv("sick", "2024-03-01", "2024-03-16")]) == [LEAVE_CONSECUTIVE]


def test_adjoining_personal_and_sick_leave_make_one_spell():
    leaves = [lv("personal", "2024-03-01", "2024-03-08"), lv("sick", "2024-03-09", "2024-03-16")]
    e = eligibility(CLERK, OK, leaves, [], [], RULES)
    assert (e.longest_consecutive_leave_days, [r.code for r in e.reasons]) == (16, [LEAVE_CONSECUTIVE])


def test_overlapping_leaves_count_each_day_once():
    leaves = [lv("sick", "2024-03-01", "2024-03-10"), lv("sick", "2024-03-05", "2024-03-12")]
    e = eligibility(CLERK, OK, leaves, [], [], RULES)
    assert (e.counted_leave_days, e.longest_consecutive_leave_days, e.eligible) == (12, 12, True)


def test_thirty_cumulative_days_are_allowed_thirty_one_are_not_though_no_spell_is_long():
    spells = [("2024-01-08", "2024-01-17"), ("2024-04-01", "2024-04-10"), ("2024-09-02", "2024-09-11")]
    thirty = [lv("personal", s, e) for s, e in spells]
    assert codes(CLERK, leaves=thirty) == []
    e = eligibility(CLERK, OK, [*thirty, lv("sick", "2024-11-04", "2024-11-04")], [], [], RULES)
    assert (e.counted_leave_days, e.longest_consecutive_leave_days, [r.code for r in e.reasons]) == (
        31,
        10,
        [LEAVE_CUMULATIVE],
    )


def test_one_long_spell_breaks_both_limits_and_both_reasons_are_given():
    assert codes(CLERK, leaves=[lv("sick", "2024-05-01", "2024-06-15")]) == [LEAVE_CONSECUTIVE, LEAVE_CUMULATIVE]


@pytest.mark.parametrize(
    "exempt",
    [
        "annual",
        "marriage",
        "bereavement",
        "maternity",
        "paternity",
        "family_visit",
        "work_injury",
        "public_holiday",
        "business_trip",
        "official_duty",
    ],
)
def test_exempt_leave_types_never_count(exempt):
    e = eligibility(CLERK, OK, [lv(exempt, "2024-01-01", "2024-06-30")], [], [], RULES)
    assert (e.eligible, e.counted_leave_days, e.leave_days) == (True, 0, {exempt: 182})


def test_a_public_holiday_inside_sick_leave_is_not_a_sick_day_and_splits_the_spell():
    leaves = [lv("sick", "2024-09-24", "2024-10-14"), lv("public_holiday", "2024-10-01", "2024-10-07")]
    e = eligibility(CLERK, OK, leaves, [], [], RULES)
    assert (e.counted_leave_days, e.longest_consecutive_leave_days, e.eligible) == (14, 7, True)


def test_exempt_leave_adjoining_sick_leave_does_not_bridge_two_spells():
    leaves = [
        lv("sick", "2024-03-01", "2024-03-10"),
        lv("annual", "2024-03-11", "2024-03-20"),
        lv("sick", "2024-03-21", "2024-03-30"),
    ]
    e = eligibility(CLERK, OK, leaves, [], [], RULES)
    assert (e.longest_consecutive_leave_days, e.counted_leave_days, e.eligible) == (10, 20, True)


def test_leave_is_clipped_to_the_plan_year():
    leaves = [lv("sick", "2023-12-20", "2024-01-10"), lv("sick", "2024-12-25", "2025-01-31")]
    e = eligibility(CLERK, OK, leaves, [], [], RULES)
    assert (e.counted_leave_days, e.longest_consecutive_leave_days, e.eligible) == (17, 10, True)


def test_other_peoples_leave_is_ignored():
    assert codes(CLERK, leaves=[lv("sick", "2024-03-01", "2024-05-01", person="p4")]) == []


def test_the_plan_may_count_more_types_and_change_the_limits():
    rules = PeopleRules(Y, max_consecutive_leave_days=5, counted_leave_types=frozenset({"personal", "annual"}))
    assert codes(CLERK, leaves=[lv("annual", "2024-07-01", "2024-07-06")], rules=rules) == [LEAVE_CONSECUTIVE]
    assert codes(CLERK, leaves=[lv("sick", "2024-07-01", "2024-07-06")], rules=rules) == []


# --- absences: 0.5 points each unless a leave, trip or official duty covers the date --------------


def test_each_unexcused_absence_costs_half_a_point():
    e = eligibility(CLERK, OK, [], [ab("2024-04-02"), ab("2024-05-06"), ab("2024-06-03")], [], RULES)
    assert (e.absences, e.unexcused_absences, e.absence_points) == (3, 3, Decimal("1.5"))


@pytest.mark.parametrize("type_", ["personal", "sick", "business_trip", "official_duty", "annual"])
def test_a_leave_trip_or_official_duty_covering_the_date_excuses_the_absence(type_):
    e = eligibility(CLERK, OK, [lv(type_, "2024-04-01", "2024-04-03")], [ab("2024-04-02"), ab("2024-04-04")], [], RULES)
    assert (e.unexcused_absences, e.absence_points) == (1, Decimal("0.5"))


def test_a_type_the_plan_does_not_let_excuse_does_not():
    rules = PeopleRules(Y, excusing_types=frozenset({"business_trip", "official_duty"}))
    e = eligibility(CLERK, OK, [lv("personal", "2024-04-01", "2024-04-03")], [ab("2024-04-02")], [], rules)
    assert e.unexcused_absences == 1


def test_an_absence_the_office_excused_costs_nothing_and_other_years_do_not_count():
    e = eligibility(CLERK, OK, [], [ab("2024-04-02", excused=True), ab("2023-12-29")], [], RULES)
    assert (e.absences, e.unexcused_absences, e.absence_points) == (1, 0, Decimal(0))


def test_the_plan_sets_the_points_per_absence():
    e = eligibility(
        CLERK, OK, [], [ab("2024-04-02"), ab("2024-04-09")], [], PeopleRules(Y, absence_points=Decimal("1"))
    )
    assert e.absence_points == Decimal("2")


# --- discipline deductions over the plan's threshold ---------------------------------------------


def test_deductions_remove_eligibility_only_strictly_over_the_threshold():
    rules = PeopleRules(Y, deduction_threshold=Decimal("2"))
    at = [PersonDeduction("p5", Decimal("1"), date(2024, 5, 1))]
    assert codes(CLERK, absences=[ab("2024-04-02"), ab("2024-04-03")], deductions=at, rules=rules) == []
    over = [*at, PersonDeduction("p5", Decimal("0.5"), date(2024, 6, 1))]
    e = eligibility(CLERK, OK, [], [ab("2024-04-02"), ab("2024-04-03")], over, rules)
    assert (e.deduction_points, [r.code for r in e.reasons]) == (Decimal("2.5"), [DEDUCTIONS_OVER_THRESHOLD])


def test_without_a_threshold_deductions_never_remove_eligibility():
    many = [PersonDeduction("p5", Decimal("10"), date(2024, 5, 1))]
    assert codes(CLERK, deductions=many) == []


# --- the unit's grade and veto -------------------------------------------------------------------

VETOED = UnitOutcome("office", "合格", vetoed=True)


@pytest.mark.parametrize(
    "person, expected", [(DEPUTY, [UNIT_VETOED]), (HEAD, [UNIT_VETOED]), (LEADER, []), (HANDLER, []), (CLERK, [])]
)
def test_a_veto_reaches_the_deputy_leader_and_the_head_only(person, expected):
    assert codes(person, unit=VETOED) == expected


def test_a_veto_of_a_unit_the_deputy_leader_oversees_reaches_them():
    war = UnitOutcome("war", "合格", vetoed=True)
    other = UnitOutcome("roads", "合格", vetoed=True)
    assert codes(DEPUTY, overseen=[war, other]) == [OVERSEEN_UNIT_VETOED]
    assert codes(HEAD, overseen=[war]) == []  # the head does not oversee war


@pytest.mark.parametrize(
    "person, expected", [(HEAD, [FAILING_UNIT_LEADER]), (DEPUTY, []), (LEADER, []), (HANDLER, []), (CLERK, [])]
)
def test_the_head_of_a_failing_section_loses_eligibility(person, expected):
    assert codes(person, unit=unit_outcome("office", "不合格", False, "不合格")) == expected


def test_a_unit_without_a_grade_or_unknown_takes_nobody_s_eligibility():
    assert (codes(HEAD, unit=unit_outcome("office", None, False, "不合格")), codes(HEAD, unit=None)) == ([], [])


def test_every_reason_is_given_at_once():
    rules = PeopleRules(Y, deduction_threshold=Decimal("0"))
    unit = UnitOutcome("office", "不合格", vetoed=True, failing=True)
    e = eligibility(HEAD, unit, [lv("sick", "2024-01-01", "2024-02-29", "p3")], [ab("2024-06-01", "p3")], [], rules)
    assert [r.code for r in e.reasons] == [
        UNIT_VETOED,
        FAILING_UNIT_LEADER,
        LEAVE_CONSECUTIVE,
        LEAVE_CUMULATIVE,
        DEDUCTIONS_OVER_THRESHOLD,
    ]
    assert e.as_dict()["reasons"][0] == {
        "code": UNIT_VETOED,
        "label": "所在单位被一票否决",
        "detail": "unit office vetoed",
    }


def test_eligibility_of_all_orders_by_unit_and_passes_overseen_units():
    units = {"office": UnitOutcome("office", "合格"), "war": UnitOutcome("war", "合格", vetoed=True)}
    out = eligibility_of_all([CLERK, HEAD, DEPUTY, LEADER], units, [], [], [], RULES)
    assert [(e.person_id, e.eligible) for e in out] == [("p1", True), ("p2", False), ("p3", True), ("p5", True)]


# --- the plan's `people` section -----------------------------------------------------------------


def test_no_people_section_means_the_seed_defaults():
    assert read_people_rules(None, Y) == PeopleRules(Y)


def test_the_people_section_is_read():
    rules = read_people_rules(
        {
            "max_consecutive_leave_days": 10,
            "absence_points": Decimal("1"),
            "deduction_threshold": 3,
            "counted_leave_types": ["personal"],
            "veto_roles": ["head"],
        },
        Y,
    )
    assert (
        rules.max_consecutive_leave_days,
        rules.absence_points,
        rules.deduction_threshold,
        rules.counted_leave_types,
        rules.veto_roles,
    ) == (10, Decimal("1"), Decimal("3"), frozenset({"personal"}), frozenset({"head"}))


def test_a_bad_people_section_names_every_problem():
    with pytest.raises(ValidationError) as err:
        read_people_rules(
            {"max_cumulative_leave_days": -1, "counted_leave_types": ["vacation"], "absence_points": "x"}, Y
        )
    assert [p.path for p in err.value.problems] == [
        "people.max_cumulative_leave_days",
        "people.absence_points",
        "people.counted_leave_types",
    ]


def test_a_plan_with_a_bad_people_section_is_refused_with_the_path():
    from jixiao.rules.errors import PlanError
    from jixiao.rules.exactjson import loads
    from jixiao.rules.plan import parse_plan
    from jixiao.samples import BAILIAN_BUNDLE

    doc = loads(BAILIAN_BUNDLE.read_text(encoding="utf-8"))
    assert parse_plan({**doc["plan"], "people": {"absence_points": 1}}, doc["indicators"]).id == doc["plan"]["id"]
    with pytest.raises(PlanError) as err:
        parse_plan({**doc["plan"], "people": {"veto_roles": ["boss"]}}, doc["indicators"])
    assert [p.path for p in err.value.problems] == ["$.plan.people.veto_roles"]


# --- the leave form's approval: a rejected leave is no leave, a pending one counts and is shown --------


def lv_form(type_: str, start: str, end: str, approval: str, person: str = "p5") -> LeaveRecord:
    return LeaveRecord(person, type_, date.fromisoformat(start), date.fromisoformat(end), "", approval)


def test_a_rejected_leave_counts_no_days_and_excuses_no_absence():
    sixteen = lv_form("sick", "2024-03-01", "2024-03-16", "rejected")
    e = eligibility(CLERK, OK, [sixteen], [ab("2024-03-05")], (), RULES)
    assert (e.eligible, e.counted_leave_days, e.leave_days, e.pending_leave_days) == (True, 0, {}, 0)
    assert (e.unexcused_absences, e.absence_points) == (1, Decimal("0.5"))  # away without leave: an absence
    trip = lv_form("business_trip", "2024-03-01", "2024-03-03", "rejected")
    assert eligibility(CLERK, OK, [trip], [ab("2024-03-02")], (), RULES).unexcused_absences == 1
    # a rejected public holiday does not split a sick spell either
    spell = [lv("sick", "2024-03-01", "2024-03-16"), lv_form("public_holiday", "2024-03-08", "2024-03-08", "rejected")]
    assert codes(CLERK, leaves=spell) == [LEAVE_CONSECUTIVE]


@pytest.mark.parametrize("approval", ["pending", "approved", ""])
def test_a_pending_leave_counts_and_excuses_like_a_granted_one_and_is_shown_apart(approval):
    sixteen = lv_form("sick", "2024-03-01", "2024-03-16", approval)
    e = eligibility(CLERK, OK, [sixteen], [ab("2024-03-05")], (), RULES)
    assert [r.code for r in e.reasons] == [LEAVE_CONSECUTIVE] and e.counted_leave_days == 16
    assert e.unexcused_absences == 0
    assert e.pending_leave_days == (16 if approval == "pending" else 0)
    assert e.as_dict()["pending_leave_days"] == e.pending_leave_days


def test_pending_days_are_clipped_to_the_year_and_counted_once():
    leaves = [
        lv_form("annual", "2023-12-30", "2024-01-02", "pending"),
        lv_form("personal", "2024-01-02", "2024-01-03", "pending"),
    ]
    assert eligibility(CLERK, OK, leaves, (), (), RULES).pending_leave_days == 3

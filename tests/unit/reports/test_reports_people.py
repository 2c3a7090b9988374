"""The people list for the year-end cadre assessment: events read, per-unit grouping, the XLSX read back."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jixiao.errors import NotFound
from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import people_pb2
from services.reports.adapters.people_xlsx import export_people_xlsx
from services.reports.domain.errors import BadScoreEvent
from services.reports.domain.model import PlanLabels
from services.reports.domain.people import by_unit, leave_columns
from services.reports.entrypoints.people_events import person_eligibility
from services.reports.service import people

pytestmark = pytest.mark.unit
PLAN = "jt-2026"


def graded(sid, unit, name, eligible, reasons=(), leave=None, version=1, **kw) -> bytes:
    return make_envelope(
        source="scoring",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=sid,
        version=version,
        payload=people_pb2.PersonEligibilityGraded(
            plan_id=PLAN,
            period="Y",
            snapshot_version=version,
            unit_id=unit,
            staff_id=sid,
            name=name,
            eligible=eligible,
            reasons=[people_pb2.EligibilityReason(code=c, label=lb, detail="") for c, lb in reasons],
            leave_days=leave or {},
            **kw,
        ),
    )


ROWS = [
    person_eligibility(e)
    for e in (
        graded(
            "s2",
            "office",
            "刘敏",
            False,
            [("unit_vetoed", "所在单位被一票否决"), ("failing_unit_leader", "科室考核不合格,科室领导不得评优")],
            position="科长",
            unit_grade="fail",
            absences=2,
            unexcused_absences=1,
            deduction_points="0.5",
        ),
        graded("s1", "office", "朱建军", True, position="副局长", unit_grade="fail"),
        graded(
            "s3",
            "roads",
            "武清萍",
            False,
            [("leave_consecutive", "事、病假连续超过规定天数")],
            leave={"sick": 20, "business_trip": 3},
            position="科员",
            unit_grade="pass",
            pending_leave_days=4,
        ),
    )
]


def test_an_event_becomes_a_row_and_a_bad_one_is_parked():
    assert (ROWS[2].pending_leave_days, ROWS[2].to_dict()["pending_leave_days"]) == (4, 4)
    assert people.PersonEligibility.of_dict(ROWS[2].to_dict()) == ROWS[2]  # stored and read back whole
    s2 = ROWS[0]
    assert (s2.staff_id, s2.position, s2.unit_grade, s2.deduction_points, s2.reason_text) == (
        "s2",
        "科长",
        "fail",
        Decimal("0.5"),
        "所在单位被一票否决；科室考核不合格,科室领导不得评优",
    )
    with pytest.raises(BadScoreEvent):
        person_eligibility(
            make_envelope(
                source="scoring",
                plan_id=PLAN,
                payload=people_pb2.PersonEligibilityGraded(
                    plan_id=PLAN, period="Y", unit_id="u", staff_id="", snapshot_version=1
                ),
            )
        )


def test_people_are_grouped_per_unit_with_the_count_of_eligible():
    units = by_unit(ROWS, {"office": "办公室"})
    assert [(u.unit_id, u.unit_name, u.unit_grade, [p.staff_id for p in u.people], u.eligible) for u in units] == [
        ("office", "办公室", "fail", ["s1", "s2"], 1),
        ("roads", "roads", "pass", ["s3"], 0),
    ]


def test_the_xlsx_has_one_row_per_person_in_the_personnel_office_layout():
    view = people.PeopleView(
        PLAN,
        "Y",
        1,
        by_unit(ROWS, {"office": "办公室", "roads": "公路科"}),
        {"fail": "不合格", "pass": "合格"},
        leave_columns(ROWS),
    )
    ws = load_workbook(io.BytesIO(export_people_xlsx(view)))["评优资格"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = rows[0]
    assert header[:7] == [
        "单位 Unit",
        "单位名称 Unit name",
        "姓名 Name",
        "职务 Position",
        "单位等级 Unit grade",
        "缺勤次数 Absences",
        "无故缺勤 Unexcused",
    ]
    assert header[7:9] == ["事假(天)", "病假(天)"] and header[-4:] == [
        "其中待批(天) Pending approval",
        "扣分 Deductions",
        "可评优 Eligible",
        "原因 Reasons",
    ]
    col = {h: i for i, h in enumerate(header)}
    got = [
        (
            r[0],
            r[2],
            r[3],
            r[4],
            r[5],
            r[col["病假(天)"]],
            r[col["出差(天)"]],
            r[col["其中待批(天) Pending approval"]],
            r[col["扣分 Deductions"]],
            r[col["可评优 Eligible"]],
            r[col["原因 Reasons"]],
        )
        for r in rows[1:]
    ]
    assert got == [
        ("office", "朱建军", "副局长", "不合格", 0, 0, 0, 0, 0, "是", None),
        (
            "office",
            "刘敏",
            "科长",
            "不合格",
            2,
            0,
            0,
            0,
            0.5,
            "否",
            "所在单位被一票否决；科室考核不合格,科室领导不得评优",
        ),
        ("roads", "武清萍", "科员", "合格", 0, 20, 3, 4, 0, "否", "事、病假连续超过规定天数"),
    ]
    assert ws.freeze_panes == "C2"


class _FakePeople:
    def __init__(self, rows):
        self.rows = rows

    async def save(self, row):
        self.rows.append(row)

    async def latest(self, plan_id, period, version=None):
        mine = [r for r in self.rows if (r.plan_id, r.period) == (plan_id, period)]
        if not mine:
            return None, []
        v = version or max(r.version for r in mine)
        return v, [r for r in mine if r.version == v]


class _FakeReports:
    async def learned_labels(self, plan_id):
        return PlanLabels(plan_id, {"fail": "不合格", "pass": "合格"}, {"office": "办公室"})

    async def labels(self, plan_id):
        return None


class _FakeUow:
    def __init__(self, rows):
        self.people, self.reports = _FakePeople(rows), _FakeReports()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None


async def test_the_view_shows_the_latest_snapshot_and_404_before_any():
    uow = _FakeUow([])
    with pytest.raises(NotFound):
        await people.people_view(uow, PLAN, "Y")
    for r in ROWS:
        await people.apply_person(uow.people, r)
    later = person_eligibility(
        graded("s1", "office", "朱建军", False, [("unit_vetoed", "所在单位被一票否决")], version=2, unit_grade="fail")
    )
    await people.apply_person(uow.people, later)
    view = await people.people_view(uow, PLAN, "Y")
    doc = view.to_dict()
    assert (
        doc["snapshot_version"],
        [(u["unit_id"], u["unit_name"], u["unit_grade_label"], u["eligible"]) for u in doc["units"]],
    ) == (2, [("office", "办公室", "不合格", 0)])
    assert (await people.people_view(uow, PLAN, "Y", 1)).version == 1


def test_commendation_and_criticism_lists_follow_the_unit_grade_bands():
    rows = [*ROWS, person_eligibility(graded("s7", "roads", "王五", True, position="科员", unit_grade="excellent"))]
    view = people.PeopleView(
        PLAN, "Y", 1, by_unit(rows, {}), {"excellent": "优秀", "pass": "合格", "fail": "不合格"}, leave_columns(rows)
    )
    doc = view.to_dict()
    assert [(p["staff_id"]) for p in doc["commendation"]] == []  # roads is graded pass by its first row
    assert [(p["staff_id"], p["reasons"]) for p in doc["criticism"]] == [
        ("s2", ["所在单位被一票否决", "科室考核不合格,科室领导不得评优"])
    ]
    top = people.PeopleView(PLAN, "Y", 1, by_unit([rows[-1]], {}), {"excellent": "优秀", "fail": "不合格"}, [])
    assert [p["staff_id"] for p in top.to_dict()["commendation"]] == ["s7"]


def test_the_lists_name_the_eligible_persons_of_commended_units_and_the_ineligible_of_criticized_ones():
    from services.reports.domain.people import people_of_listed_units

    rows = [*ROWS, person_eligibility(graded("s0", "roads", "周平", True, unit_grade="pass"))]
    # in the order of the list's units, people by staff id; a unit not on the list names nobody
    assert [p.staff_id for p in people_of_listed_units("commendation", ["roads", "office"], rows)] == ["s0", "s1"]
    assert [p.staff_id for p in people_of_listed_units("criticism", ["office"], rows)] == ["s2"]
    assert people_of_listed_units("commendation", [], rows) == []

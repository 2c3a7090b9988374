"""The review workflow, optimistic concurrency and deadlines as pure rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jixiao.errors import InvalidInput, PreconditionFailed, PreconditionRequired
from services.indicators.domain import rules
from services.indicators.domain import tasks as task_rules
from services.indicators.domain.errors import WrongState
from services.indicators.domain.model import Plan, Result, Task

pytestmark = pytest.mark.unit
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def result() -> Result:
    return Result("r", "p", "u", "I1.1", "", "Y", revision=0)


def test_revision_check_needs_if_match_and_the_current_revision():
    with pytest.raises(PreconditionRequired):
        rules.check_revision(3, None)
    with pytest.raises(PreconditionFailed):
        rules.check_revision(3, 2)
    rules.check_revision(3, 3)


def test_confirm_then_correct_are_versions_and_unit_changes_wait_as_pending():
    r = result()
    rules.enter(r, {"actual": Decimal("11.4")}, "c", NOW)
    rules.submit(r, NOW)
    rules.confirm(r, "张三", NOW)
    assert (r.status, r.confirmed_version, r.confirmed) == ("confirmed", 1, {"actual": Decimal("11.4")})
    rules.correct(r, {"actual": Decimal("10.8")}, "李四", "核实", NOW)
    assert (r.confirmed_version, r.review_note) == (2, "核实")
    rules.enter(r, {"actual": Decimal("12")}, None, NOW)
    assert r.pending and r.confirmed == {"actual": Decimal("10.8")}
    assert r.revision == 5


def test_workflow_refuses_wrong_states():
    r = result()
    with pytest.raises(InvalidInput):
        rules.submit(r, NOW)  # nothing entered
    rules.enter(r, {"rating": "A"}, None, NOW)
    rules.submit(r, NOW)
    with pytest.raises(WrongState):
        rules.enter(r, {"rating": "B"}, None, NOW)  # submitted: wait for review
    rules.return_to_unit(r, "a", "缺少佐证", NOW)
    assert r.status == "returned"
    with pytest.raises(WrongState):
        rules.confirm(r, "a", NOW)  # returned: the unit acts first
    with pytest.raises(InvalidInput):
        rules.require_reason("  ")


def test_one_value_field_only():
    assert rules.value_of({"actual": Decimal(1), "rating": None}) == {"actual": Decimal(1)}
    assert rules.value_of({}) is None
    with pytest.raises(InvalidInput) as exc:
        rules.value_of({"actual": Decimal(1), "points": Decimal(2)})
    assert {p.path for p in exc.value.problems} == {"actual", "points"}


def test_self_report_deadline_and_overdue_tasks():
    plan = Plan(
        "p", 2026, "n", {"calendar": {"self_report_deadline": "2027-01-10", "checkpoints": {"Q1": "2026-03-31"}}}, []
    )
    deadline = rules.report_deadline(plan, "Y")
    assert deadline == dt.date(2027, 1, 10) and rules.report_deadline(plan, "Q2") is None
    assert not rules.is_late(dt.datetime(2027, 1, 10, 23, tzinfo=dt.UTC), deadline)
    assert rules.is_late(dt.datetime(2027, 1, 11, tzinfo=dt.UTC), deadline)
    task = Task(
        "t",
        "p",
        "I1.1",
        "s1",
        "村道",
        Decimal(75),
        "km",
        dt.date(2026, 6, 30),
        progress=[{"quarter": "Q1", "done": Decimal(30)}],
    )
    assert task_rules.is_overdue(task, dt.date(2026, 7, 1)) and not task_rules.is_overdue(task, dt.date(2026, 6, 30))
    task.progress.append({"quarter": "Q2", "done": Decimal(75)})
    assert not task_rules.is_overdue(task, dt.date(2026, 7, 1))

"""Task decomposition (任务分解): the task and progress rules, the leaf summary, the use cases on fakes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jixiao.errors import InvalidInput, NotFound, PreconditionFailed, PreconditionRequired
from services.indicators.domain import tasks as task_rules
from services.indicators.domain.errors import PlanNotPublished, TaskNotFound, WrongState
from services.indicators.domain.model import PUBLISHED, Plan, Target, Task, Unit
from services.indicators.service import handlers as h
from services.indicators.service.tasks import new_task_id

pytestmark = pytest.mark.unit
NOW = dt.datetime(2026, 6, 30, 8, tzinfo=dt.UTC)
PLAN_ID = "bailian-2026"
SECTION = Unit("p", "a01", "党政办", "agency")


def plan(**leaf) -> Plan:
    return Plan(
        "p",
        2026,
        "方案",
        {},
        [{"id": "I1", "parent": None}, {"id": "I1.1", "parent": "I1", "target": 10, **leaf}],
        status=PUBLISHED,
    )


def spec(**changes) -> dict:
    return {
        "indicator": "I1.1",
        "unit": "a01",
        "title": "村道硬化",
        "quantity": Decimal("12"),
        "unit_of_measure": "km",
        "deadline": dt.date(2026, 9, 30),
        "lead": "黄小君",
        "deputy": "廖国兴",
        "head": "杨金文",
        "handlers": ["承办人甲"],
        **changes,
    }


def task(quantity="12", deadline=dt.date(2026, 9, 30), uom="km", unit="a01", progress=()) -> Task:
    t = task_rules.new_task(
        "t", plan(), spec(quantity=Decimal(quantity), deadline=deadline, unit_of_measure=uom, unit=unit), SECTION
    )
    for quarter, done in progress:
        task_rules.record_progress(t, quarter, Decimal(done), None, "承办人甲", NOW)
    return t


def names(people: list[dict]) -> list[str]:
    return [p["name"] for p in people]


def paths(exc: pytest.ExceptionInfo) -> set[str]:
    return {p.path for p in exc.value.problems}


# --- rules ---------------------------------------------------------------------------------------


def test_a_valid_task_keeps_exact_quantities_and_trimmed_names():
    t = task_rules.new_task(
        "t",
        plan(),
        spec(quantity=Decimal("0.1") + Decimal("0.2"), title=" 村道硬化 ", handlers=[" 承办人甲 ", "承办人乙"]),
        SECTION,
    )
    assert t.quantity == Decimal("0.3") and str(t.quantity) == "0.3"
    assert (t.title, names(t.handlers), t.progress, t.revision) == ("村道硬化", ["承办人甲", "承办人乙"], [], 1)
    # a single name (the older input) is read as a one-person role, without a staff id
    assert (t.indicator_id, t.unit_id, t.lead, names(t.deputy), names(t.head)) == (
        "I1.1",
        "a01",
        [{"staff_id": None, "name": "黄小君"}],
        ["廖国兴"],
        ["杨金文"],
    )


def test_every_problem_of_a_task_is_reported_with_its_field():
    bad = spec(
        indicator="I1",
        title="  ",
        quantity=Decimal(0),
        unit_of_measure="",
        deadline=dt.date(2028, 1, 1),
        handlers=["甲", "", "甲"],
        lead="x" * 201,
    )
    with pytest.raises(InvalidInput) as exc:
        task_rules.check_task(plan(), bad, None)
    assert paths(exc) == {
        "indicator",
        "unit",
        "title",
        "quantity",
        "unit_of_measure",
        "deadline",
        "handlers[1]",
        "handlers[2]",
        "lead",
    }
    messages = {p.path: p.message for p in exc.value.problems}
    assert "group" in messages["indicator"] and "must be > 0" in messages["quantity"]
    assert "2026-01-01 and 2027-03-31" in messages["deadline"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"indicator": "I9"}, "indicator"),
        ({"quantity": 1.5}, "quantity"),  # a binary float cannot be kept exactly
        ({"quantity": Decimal("-1")}, "quantity"),
        ({"quantity": Decimal("NaN")}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"deadline": dt.date(2025, 12, 31)}, "deadline"),
        ({"deadline": None}, "deadline"),
        ({"unit_of_measure": "k" * 51}, "unit_of_measure"),
        ({"handlers": 7}, "handlers"),
        ({"handlers": [{"staff_id": "s1", "role": "x"}]}, "handlers[0].role"),
        ({"lead": [{}]}, "lead[0]"),
        ({"head": ["杨金文", {"name": " 杨金文 "}]}, "head[1]"),
        ({"measures": "措" * 2001}, "measures"),
        ({"cadence": "weekly"}, "cadence"),
        ({"reporting_from": dt.date(2026, 10, 1)}, "reporting_from"),  # after the deadline
    ],
)
def test_one_bad_field_is_named(changes, field):
    with pytest.raises(InvalidInput) as exc:
        task_rules.check_task(plan(), spec(**changes), SECTION)
    assert paths(exc) == {field}


def test_a_leaf_has_no_children_and_deadlines_run_to_the_end_of_march_after_the_year():
    p = plan()
    assert task_rules.is_leaf(p, "I1.1") and not task_rules.is_leaf(p, "I1") and not task_rules.is_leaf(p, "I9")
    assert task_rules.deadline_window(p) == (dt.date(2026, 1, 1), dt.date(2027, 3, 31))
    assert task_rules.check_task(p, spec(deadline=dt.date(2027, 3, 31)), SECTION)["deadline"] == dt.date(2027, 3, 31)
    assert task_rules.check_task(p, spec(quantity=12), SECTION)["quantity"] == Decimal(12)  # an integer is exact too


def test_progress_is_cumulative_kept_in_quarter_order_and_a_quarter_is_replaced():
    t = task(progress=[("Q3", "9"), ("Q1", "2.5")])
    assert [e["quarter"] for e in t.progress] == ["Q1", "Q3"] and t.done_quantity() == Decimal(9)
    entry = task_rules.record_progress(t, "Q1", Decimal("3"), " 路基完成 ", "承办人乙", NOW)
    assert entry == {
        "quarter": "Q1",
        "done": Decimal(3),
        "note": "路基完成",
        "recorded_by": "承办人乙",
        "recorded_at": "2026-06-30T08:00:00+00:00",
    }
    assert [(e["quarter"], e["done"]) for e in t.progress] == [("Q1", Decimal(3)), ("Q3", Decimal(9))]
    assert t.revision == 4
    task_rules.record_progress(t, "Q2", Decimal("9"), None, "甲", NOW)  # equal to the next: allowed
    assert [e["quarter"] for e in t.progress] == ["Q1", "Q2", "Q3"]


def test_progress_below_an_earlier_quarter_or_above_a_later_one_is_refused():
    t = task(progress=[("Q1", "4"), ("Q3", "8")])
    with pytest.raises(InvalidInput) as exc:
        task_rules.record_progress(t, "Q2", Decimal("3.9"), None, "甲", NOW)
    assert paths(exc) == {"done"} and "below the 4 recorded for Q1" in exc.value.problems[0].message
    with pytest.raises(InvalidInput) as exc:
        task_rules.record_progress(t, "Q2", Decimal("8.1"), None, "甲", NOW)
    assert "above the 8 recorded for Q3" in exc.value.problems[0].message
    with pytest.raises(InvalidInput) as exc:
        task_rules.record_progress(t, "Q4", Decimal("7"), None, "甲", NOW)
    assert "Q3" in exc.value.problems[0].message
    assert [e["done"] for e in t.progress] == [Decimal(4), Decimal(8)] and t.revision == 3


def test_a_progress_entry_needs_a_quarter_a_non_negative_exact_done_and_who_recorded_it():
    t = task()
    with pytest.raises(InvalidInput) as exc:
        task_rules.record_progress(t, "Q5", Decimal(-1), None, " ", NOW)
    assert paths(exc) == {"quarter", "done", "recorded_by"}
    with pytest.raises(InvalidInput) as exc:
        task_rules.record_progress(t, "Q1", 0.5, None, "甲", NOW)
    assert paths(exc) == {"done"}
    task_rules.record_progress(t, "Q1", Decimal(0), None, "甲", NOW)
    assert t.done_quantity() == 0 and t.progress[0]["done"] == Decimal(0)


def test_changing_a_task_keeps_progress_but_not_a_new_unit_of_measure():
    t = task(progress=[("Q1", "2")])
    task_rules.change_task(t, plan(), spec(quantity=Decimal("15"), title="村道硬化（调整）"), SECTION)
    assert (t.quantity, t.title, t.revision, len(t.progress)) == (Decimal(15), "村道硬化（调整）", 3, 1)
    with pytest.raises(WrongState):
        task_rules.change_task(t, plan(), spec(unit_of_measure="m"), SECTION)
    assert t.unit_of_measure == "km" and t.revision == 3


def test_overdue_once_the_deadline_passed_and_the_quantity_falls_short():
    short, met = task(progress=[("Q2", "11.9")]), task(progress=[("Q2", "12")])
    deadline = short.deadline
    assert not task_rules.is_overdue(short, deadline)  # the deadline day itself counts
    assert task_rules.is_overdue(short, deadline + dt.timedelta(days=1))
    assert not task_rules.is_overdue(met, deadline + dt.timedelta(days=1))


def test_summary_compares_one_unit_of_measure_with_the_target_exactly():
    tasks = [task("0.1", progress=[("Q1", "0.1")]), task("0.2", dt.date(2026, 3, 31), progress=[("Q1", "0.1")])]
    s = task_rules.summarize(tasks, Decimal("0.5"), None, dt.date(2026, 4, 1))
    assert (s.tasks, s.overdue, s.measure, s.planned, s.done, s.unassigned, s.note) == (
        2,
        1,
        "km",
        Decimal("0.3"),
        Decimal("0.2"),
        Decimal("0.2"),
        None,
    )
    assert s.totals == (task_rules.MeasureTotal("km", 2, Decimal("0.3"), Decimal("0.2")),)


def test_summary_refuses_to_add_different_units_or_percentages():
    mixed = [task("12"), task("3", uom="座")]
    s = task_rules.summarize(mixed, Decimal(10), None, NOW.date())
    assert s.planned is None and s.unassigned is None and "km, 座" in s.note
    assert [(m.unit_of_measure, m.quantity) for m in s.totals] == [("km", Decimal(12)), ("座", Decimal(3))]
    declared = task_rules.summarize(mixed, Decimal(10), "km", NOW.date())
    assert (declared.planned, declared.unassigned) == (Decimal(12), Decimal(-2)) and "1 task(s)" in declared.note
    percent = task_rules.summarize([task("95", uom="%"), task("90", uom="%")], Decimal(95), None, NOW.date())
    assert percent.planned is None and "percentages" in percent.note
    empty = task_rules.summarize([], Decimal(10), None, NOW.date())
    assert (empty.tasks, empty.planned, empty.unassigned) == (0, Decimal(0), Decimal(10))
    no_target = task_rules.summarize([task("12")], None, None, NOW.date())
    assert no_target.planned == 12 and no_target.unassigned is None and no_target.note == "no target to compare with"


def test_leaf_summary_uses_each_units_own_target_else_the_leafs():
    tasks = [task("6"), task("4", unit="v03"), task("5", unit="v03")]
    own = [Target("p", "v03", "I1.1", Decimal(30)), Target("p", "v03", "I9", Decimal(1))]
    s = task_rules.summarize_leaf(plan(unit_of_measure="km"), "I1.1", tasks, own, NOW.date())
    assert (s.whole.target, s.whole.planned, s.whole.unassigned) == (Decimal(10), Decimal(15), Decimal(-5))
    assert [(u, x.target, x.planned, x.unassigned) for u, x in s.units] == [
        ("a01", Decimal(10), Decimal(6), Decimal(4)),
        ("v03", Decimal(30), Decimal(9), Decimal(21)),
    ]
    with pytest.raises(InvalidInput):
        task_rules.summarize_leaf(plan(), "I1", tasks, own, NOW.date())
    with pytest.raises(NotFound):
        task_rules.summarize_leaf(plan(), "I9", tasks, own, NOW.date())


def test_task_ids_follow_creation_time():
    ids = [new_task_id(NOW + dt.timedelta(milliseconds=i)) for i in range(50)]
    assert ids == sorted(ids) and len(set(ids)) == 50 and all(len(i) == 36 and i[14] == "7" for i in ids)


# --- use cases -----------------------------------------------------------------------------------


@pytest.fixture
async def published(uow, part):
    part["results"] = []
    await h.import_bundle(uow, part, NOW)
    return uow


async def test_tasks_need_a_published_plan(uow, part):
    await h.create_plan(uow, part["plan"], part["indicators"])
    with pytest.raises(PlanNotPublished):
        await h.create_task(uow, PLAN_ID, spec())
    with pytest.raises(NotFound):
        await h.create_task(uow, "nope", spec())
    assert uow.tasks.rows == {}


async def test_create_get_and_list_with_filters_paging_and_overdue(published):
    uow = published
    march, december = dt.date(2026, 3, 31), dt.date(2026, 12, 31)
    rows = [("a01", "I1.1", march), ("a01", "I2.3", december), ("v03", "I1.1", march), ("v03", "I1.1", december)]
    made = [
        await h.create_task(uow, PLAN_ID, spec(unit=u, indicator=i, deadline=d), NOW + dt.timedelta(seconds=n))
        for n, (u, i, d) in enumerate(rows)
    ]
    assert (await h.get_task(uow, PLAN_ID, made[0].id)).title == "村道硬化"
    page, total = await h.list_tasks(uow, PLAN_ID, limit=2, offset=0)
    rest, _ = await h.list_tasks(uow, PLAN_ID, limit=2, offset=2)
    assert total == 4 and [t.id for t in page + rest] == [t.id for t in made]  # creation order
    by_unit, n = await h.list_tasks(uow, PLAN_ID, unit="v03", indicator="I1.1", limit=10)
    assert n == 2 and {t.id for t in by_unit} == {made[2].id, made[3].id}
    await h.record_progress(uow, PLAN_ID, made[2].id, "Q1", Decimal(12), None, "甲", 1)
    overdue, n = await h.list_tasks(uow, PLAN_ID, overdue=True, limit=10, today=dt.date(2026, 4, 1))
    assert n == 1 and [t.id for t in overdue] == [made[0].id]
    on_track, n = await h.list_tasks(uow, PLAN_ID, overdue=False, limit=1, offset=1, today=dt.date(2026, 4, 1))
    assert n == 3 and [t.id for t in on_track] == [made[2].id]
    later, n = await h.list_tasks(uow, PLAN_ID, overdue=True, limit=10, today=dt.date(2027, 1, 1))
    assert n == 3 and made[2].id not in {t.id for t in later}


async def test_rejected_requests_store_nothing(published):
    uow = published
    for bad in (spec(unit="nope"), spec(indicator="I1"), spec(quantity=Decimal(0))):
        with pytest.raises(InvalidInput):
            await h.create_task(uow, PLAN_ID, bad)
    assert uow.tasks.rows == {}
    t = await h.create_task(uow, PLAN_ID, spec())
    with pytest.raises(InvalidInput):
        await h.update_task(uow, PLAN_ID, t.id, spec(unit="nope"), t.revision)
    await h.record_progress(uow, PLAN_ID, t.id, "Q2", Decimal(5), None, "甲", t.revision)
    with pytest.raises(InvalidInput) as exc:
        await h.record_progress(uow, PLAN_ID, t.id, "Q3", Decimal(4), None, "甲", t.revision + 1)
    assert paths(exc) == {"done"}
    stored = await h.get_task(uow, PLAN_ID, t.id)
    assert (stored.unit_id, stored.revision, [e["done"] for e in stored.progress]) == ("a01", 2, [Decimal(5)])


async def test_changes_need_the_current_revision_and_an_existing_task(published):
    uow = published
    t = await h.create_task(uow, PLAN_ID, spec())
    with pytest.raises(PreconditionRequired):
        await h.update_task(uow, PLAN_ID, t.id, spec(), None)
    with pytest.raises(PreconditionRequired):
        await h.record_progress(uow, PLAN_ID, t.id, "Q1", Decimal(1), None, "甲", None)
    with pytest.raises(PreconditionFailed):
        await h.delete_task(uow, PLAN_ID, t.id, t.revision + 1)
    with pytest.raises(TaskNotFound):
        await h.update_task(uow, PLAN_ID, "nope", spec(), 1)
    other = Task(**{**vars(t), "id": "other", "plan_id": "other-plan"})
    await uow.tasks.save(other)
    with pytest.raises(TaskNotFound):  # a task of another plan is not found here
        await h.get_task(uow, PLAN_ID, "other")
    changed = await h.update_task(uow, PLAN_ID, t.id, spec(quantity=Decimal("12.5")), t.revision)
    assert (changed.quantity, changed.revision) == (Decimal("12.5"), 2)
    await h.delete_task(uow, PLAN_ID, t.id, changed.revision)
    assert set(uow.tasks.rows) == {("other",)}
    with pytest.raises(TaskNotFound):
        await h.delete_task(uow, PLAN_ID, t.id, changed.revision)


async def test_leaf_summary_through_the_use_case(published):
    uow = published
    await h.create_task(uow, PLAN_ID, spec(unit="v03", quantity=Decimal("20.5")))
    t = await h.create_task(uow, PLAN_ID, spec(unit="a01", quantity=Decimal("4"), deadline=dt.date(2026, 3, 31)))
    await h.record_progress(uow, PLAN_ID, t.id, "Q1", Decimal("1.5"), None, "甲", t.revision)
    s = await h.task_summary(uow, PLAN_ID, "I1.1", dt.date(2026, 4, 1))
    assert (s.whole.tasks, s.whole.overdue, s.whole.planned, s.whole.done, s.whole.unassigned) == (
        2,
        1,
        Decimal("24.5"),
        Decimal("1.5"),
        Decimal("-14.5"),
    )
    assert [(u, x.target) for u, x in s.units] == [("a01", Decimal(10)), ("v03", Decimal(30))]
    with pytest.raises(NotFound):
        await h.task_summary(uow, PLAN_ID, "I9")

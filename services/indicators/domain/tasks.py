"""Task decomposition (任务分解): a leaf's target split into tasks for sections, with cumulative
quarterly progress, overdue tasks, and a per-leaf summary against the targets. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.rules.fields import Problems, Reader
from jixiao.rules.periods import QUARTERS

from . import people as people_rules
from . import task_reporting as reporting
from .errors import FieldProblem, InvalidInput, NotFound, WrongState
from .model import Plan, Target, Task, Unit


def is_overdue(task: Task, today: dt.date) -> bool:
    """A task is overdue once its deadline has passed and the reported quantity falls short."""
    return task.deadline < today and task.done_quantity() < task.quantity


# --- tasks (任务分解): a leaf's target split into tasks for sections, with quarterly progress ----------

TEXT_MAX, NAME_MAX, MEASURE_MAX = 2000, 200, 50  # the columns' sizes: refused here, not by the database
NON_ADDITIVE = frozenset({"%"})  # percentages of different tasks do not add up


def is_leaf(plan: Plan, indicator_id: str) -> bool:
    """True when the plan has this indicator and no node names it as parent (a group is not a leaf)."""
    return plan.node(indicator_id) is not None and all(n.get("parent") != indicator_id for n in plan.indicators)


def deadline_window(plan: Plan) -> tuple[dt.date, dt.date]:
    """Task deadlines fall in the plan's year or the assessment months after it (to the end of March)."""
    return dt.date(plan.year, 1, 1), dt.date(plan.year + 1, 3, 31)


def check_task(
    plan: Plan, spec: dict[str, Any], unit: Unit | None, staff: people_rules.StaffLookup | None = None
) -> dict[str, Any]:
    """Validate a task as written in the API (indicator, unit, title, quantity, ...); the Task's fields.

    `unit` is the plan's unit named by `spec["unit"]` (None when the plan has none); `staff` the
    plan's staff register when it is known (see people.read_role). Every problem is reported at
    once, each with the request field it is about.
    """
    problems = Problems()
    r = Reader(spec, "", problems)
    indicator = spec.get("indicator")
    if not indicator or plan.node(indicator) is None:
        r.fail("indicator", f"plan {plan.id!r} has no indicator {indicator!r}")
    elif not is_leaf(plan, indicator):
        r.fail("indicator", f"{indicator!r} is a group; a task decomposes a leaf indicator")
    if unit is None:
        r.fail("unit", f"plan {plan.id!r} has no unit {spec.get('unit')!r}")
    fields = {
        "indicator_id": indicator,
        "unit_id": spec.get("unit"),
        "title": r.str("title", max_len=TEXT_MAX, strip=True),
        "quantity": r.decimal("quantity", positive=True),
        "unit_of_measure": r.str("unit_of_measure", max_len=MEASURE_MAX, strip=True),
        "deadline": _deadline(plan, r),
        **{k: people_rules.read_role(spec, k, problems, staff) for k in people_rules.ROLES},
        "measures": r.str("measures", required=False, max_len=TEXT_MAX, strip=True),
        "expected_effects": r.str("expected_effects", required=False, max_len=TEXT_MAX, strip=True),
        "cadence": _cadence(r),
    }
    fields["reporting_from"] = _reporting_from(plan, r, fields["deadline"])
    _refuse("the task", problems)
    return fields


def new_task(
    task_id: str, plan: Plan, spec: dict[str, Any], unit: Unit | None, staff: people_rules.StaffLookup | None = None
) -> Task:
    """A new task of a published plan's leaf, without progress."""
    return Task(id=task_id, plan_id=plan.id, **check_task(plan, spec, unit, staff))


def change_task(
    task: Task, plan: Plan, spec: dict[str, Any], unit: Unit | None, staff: people_rules.StaffLookup | None = None
) -> None:
    """Replace what the task plans (progress stays); its unit of measure and cadence are fixed once
    progress exists."""
    fields = check_task(plan, spec, unit, staff)
    if task.progress and fields["unit_of_measure"] != task.unit_of_measure:
        raise WrongState(f"progress is recorded in {task.unit_of_measure!r}; the unit of measure cannot change")
    if task.progress and fields["cadence"] != task.cadence:
        raise WrongState(f"progress is reported {task.cadence or 'by quarter'}; the cadence cannot change")
    for name, value in fields.items():
        setattr(task, name, value)
    task.revision += 1


def record_progress(
    task: Task,
    slot: str,
    done: Any,
    note: str | None,
    recorded_by: str | None,
    now: dt.datetime,
    year: int | None = None,
) -> dict[str, Any]:
    """Record the cumulative quantity done by the end of a slot; re-entering a slot replaces it.

    A task without a cadence reports by quarter (`quarter`: Q1–Q4); one with a cadence by its slots
    (`slot`: 2026-03, 2026-03-H2 or Q1; see task_reporting), `year` being the plan's. Entries stay in
    slot order and never go down from one slot to the next. A re-entered slot keeps when it was first
    reported (`reported_at`), which is what lateness is judged on.
    """
    problems = Problems()
    field = "slot" if task.cadence else "quarter"
    r = Reader({field: slot, "done": done, "recorded_by": recorded_by, "note": note}, "", problems)
    order = _slot_order(task, slot, year if year is not None else task.deadline.year)
    if order is None:
        allowed = ", ".join(QUARTERS) if not task.cadence else f"a {task.cadence} reporting slot"
        r.fail(field, f"must be {'one of ' if not task.cadence else ''}{allowed}, not {slot!r}")
    elif task.cadence and year is not None:
        first, last = dt.date(year, 1, 1), dt.date(year + 1, 3, 31)  # the plan's year and its assessment months
        if not first <= order <= last:
            r.fail(field, f"{slot!r} lies outside the {year} plan's reporting ({first} to {last})")
    done = r.decimal("done", low=Decimal(0))
    by = r.str("recorded_by", max_len=NAME_MAX, strip=True)
    note = r.str("note", required=False, max_len=TEXT_MAX, strip=True)
    key = _entry_slot
    others = [e for e in task.progress if key(e) != slot]
    if not problems:
        year_ = year if year is not None else task.deadline.year
        before = [e for e in others if _slot_order(task, key(e), year_) < order]
        after = [e for e in others if _slot_order(task, key(e), year_) > order]
        if before and done < Decimal(before[-1]["done"]):
            r.fail(
                "done",
                f"progress is cumulative: {done} {task.unit_of_measure} is below "
                f"the {before[-1]['done']} recorded for {key(before[-1])}",
            )
        if after and done > Decimal(after[0]["done"]):
            r.fail(
                "done",
                f"progress is cumulative: {done} {task.unit_of_measure} is above "
                f"the {after[0]['done']} recorded for {key(after[0])}; correct {key(after[0])} first",
            )
    _refuse("the progress entry", problems)
    entry = {field: slot, "done": done, "note": note, "recorded_by": by, "recorded_at": now.isoformat()}
    if task.cadence:
        old = next((e for e in task.progress if key(e) == slot), None)
        entry["reported_at"] = old.get("reported_at", old["recorded_at"]) if old else now.isoformat()
    year_ = year if year is not None else task.deadline.year
    task.progress = sorted([*others, entry], key=lambda e: _slot_order(task, key(e), year_))
    task.revision += 1
    return entry


def _entry_slot(entry: dict[str, Any]) -> str:
    return entry.get("slot") or entry["quarter"]


def _slot_order(task: Task, code: Any, year: int) -> Any:
    """A sortable place of a slot code for the task's cadence, or None when it names no slot."""
    if not task.cadence:
        return QUARTERS.index(code) if code in QUARTERS else None
    found = reporting.parse_slot(task.cadence, code, year)
    return None if found is None else found.first


def late_reports(task: Task, plan: Plan, as_of: dt.date) -> list[reporting.LateReport]:
    """The task's late and missing reports as of a day (none without a cadence)."""
    entries = [{**e, "slot": _entry_slot(e)} for e in task.progress]
    return reporting.late_reports(
        task.cadence,
        plan.year,
        task.deadline,
        task.reporting_from,
        entries,
        task.quantity,
        reporting.grace_days(plan.calendar()),
        as_of,
    )


@dataclass(frozen=True)
class MeasureTotal:
    """The tasks' planned and done quantities in one unit of measure."""

    unit_of_measure: str
    tasks: int
    quantity: Decimal
    done: Decimal


@dataclass(frozen=True)
class TaskSummary:
    """Tasks against a target: totals per unit of measure and, where they allow it, the comparison."""

    tasks: int
    overdue: int
    totals: tuple[MeasureTotal, ...]
    target: Decimal | None
    measure: str | None  # the unit of measure compared with the target
    planned: Decimal | None  # the tasks' quantity in `measure` (None: not comparable)
    done: Decimal | None
    unassigned: Decimal | None  # target - planned; negative when the tasks exceed the target
    note: str | None  # why there is no comparison, or what it leaves out


@dataclass(frozen=True)
class LeafSummary:
    """A leaf's tasks as a whole (against the leaf's target) and per unit (against the unit's own)."""

    indicator_id: str
    whole: TaskSummary
    units: tuple[tuple[str, TaskSummary], ...]


def summarize(tasks: list[Task], target: Decimal | None, declared: str | None, today: dt.date) -> TaskSummary:
    """Sum the tasks per unit of measure and compare with the target when the units of measure allow it.

    The compared unit is the leaf's declared `unit_of_measure` (tasks in other units are left out),
    else the one unit all tasks share; several units without a declaration, or percentages, are
    not compared.
    """
    totals: dict[str, MeasureTotal] = {}
    for t in tasks:
        old = totals.get(t.unit_of_measure, MeasureTotal(t.unit_of_measure, 0, Decimal(0), Decimal(0)))
        totals[t.unit_of_measure] = MeasureTotal(
            old.unit_of_measure, old.tasks + 1, old.quantity + t.quantity, old.done + t.done_quantity()
        )
    overdue = sum(is_overdue(t, today) for t in tasks)
    measure = declared or (next(iter(totals)) if len(totals) == 1 else None)
    note = None
    if measure is None and totals:
        note = f"the tasks use several units of measure ({', '.join(totals)}); declare the leaf's unit_of_measure"
    elif measure in NON_ADDITIVE:
        note = "percentages of different tasks do not add up"
    if note:
        return TaskSummary(len(tasks), overdue, tuple(totals.values()), target, measure, None, None, None, note)
    counted = totals.get(measure) if measure else None
    planned = counted.quantity if counted else Decimal(0)
    left_out = len(tasks) - (counted.tasks if counted else 0)
    if left_out:
        note = f"{left_out} task(s) in another unit of measure than {measure!r} are not counted"
    elif target is None:
        note = "no target to compare with"
    return TaskSummary(
        len(tasks),
        overdue,
        tuple(totals.values()),
        target,
        measure,
        planned,
        counted.done if counted else Decimal(0),
        None if target is None else target - planned,
        note,
    )


def summarize_leaf(
    plan: Plan, indicator_id: str, tasks: list[Task], targets: list[Target], today: dt.date
) -> LeafSummary:
    """The leaf's summary: all its tasks against its target, then each unit's against the unit's target."""
    node = plan.node(indicator_id)
    if node is None:
        raise NotFound(f"plan {plan.id!r} has no indicator {indicator_id!r}")
    if not is_leaf(plan, indicator_id):
        raise InvalidInput(
            f"{indicator_id!r} is a group; tasks decompose leaf indicators",
            problems=[FieldProblem("indicator_id", "must be a leaf indicator, not a group")],
        )
    default = None if node.get("target") is None else Decimal(str(node["target"]))
    declared = node.get("unit_of_measure") or None
    own = {t.unit_id: Decimal(str(t.target)) for t in targets if t.indicator_id == indicator_id}
    units = sorted({t.unit_id for t in tasks})
    return LeafSummary(
        indicator_id,
        summarize(tasks, default, declared, today),
        tuple(
            (u, summarize([t for t in tasks if t.unit_id == u], own.get(u, default), declared, today)) for u in units
        ),
    )


def _deadline(plan: Plan, r: Reader) -> dt.date | None:
    value = r.date("deadline")
    if value is None:
        return None
    first, last = deadline_window(plan)
    if not first <= value <= last:
        r.fail("deadline", f"must fall between {first} and {last} for the {plan.year} plan, not {value}")
    return value


def _cadence(r: Reader) -> str | None:
    value = r.str("cadence", required=False, strip=True)
    if value is not None and value not in reporting.CADENCES:
        r.fail("cadence", f"must be one of {', '.join(reporting.CADENCES)}, not {value!r}")
        return None
    return value


def _reporting_from(plan: Plan, r: Reader, deadline: dt.date | None) -> dt.date | None:
    value = r.date("reporting_from", required=False)
    if value is None:
        return None
    first, _ = deadline_window(plan)
    if value < first or (deadline is not None and value > deadline):
        r.fail("reporting_from", f"must fall between {first} and the task's deadline, not {value}")
    return value


def _refuse(what: str, problems: Problems) -> None:
    """Raise InvalidInput listing every problem, if there is any."""
    if problems:
        items = [FieldProblem(p.path, p.message) for p in problems.items]
        raise InvalidInput(f"{what} has {len(items)} problem(s): {items[0]}", problems=items)

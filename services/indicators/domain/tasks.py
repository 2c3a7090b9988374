"""Task decomposition (任务分解): a leaf's target split into tasks for sections, with cumulative
quarterly progress, overdue tasks, and a per-leaf summary against the targets. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import FieldProblem, InvalidInput, NotFound, WrongState
from .model import QUARTERS, Plan, Target, Task, Unit


def is_overdue(task: Task, today: dt.date) -> bool:
    """A task is overdue once its deadline has passed and the reported quantity falls short."""
    return task.deadline < today and task.done_quantity() < task.quantity


# --- tasks (任务分解): a leaf's target split into tasks for sections, with quarterly progress ----------

TEXT_MAX, NAME_MAX, MEASURE_MAX = 2000, 200, 50      # the columns' sizes: refused here, not by the database
NON_ADDITIVE = frozenset({"%"})                       # percentages of different tasks do not add up


def is_leaf(plan: Plan, indicator_id: str) -> bool:
    """True when the plan has this indicator and no node names it as parent (a group is not a leaf)."""
    return plan.node(indicator_id) is not None and all(n.get("parent") != indicator_id for n in plan.indicators)


def deadline_window(plan: Plan) -> tuple[dt.date, dt.date]:
    """Task deadlines fall in the plan's year or the assessment months after it (to the end of March)."""
    return dt.date(plan.year, 1, 1), dt.date(plan.year + 1, 3, 31)


def check_task(plan: Plan, spec: dict[str, Any], unit: Unit | None) -> dict[str, Any]:
    """Validate a task as written in the API (indicator, unit, title, quantity, ...); the Task's fields.

    `unit` is the plan's unit named by `spec["unit"]` (None when the plan has none). Every problem is
    reported at once, each with the request field it is about.
    """
    problems: list[FieldProblem] = []
    indicator = spec.get("indicator")
    if not indicator or plan.node(indicator) is None:
        problems.append(FieldProblem("indicator", f"plan {plan.id!r} has no indicator {indicator!r}"))
    elif not is_leaf(plan, indicator):
        problems.append(FieldProblem("indicator", f"{indicator!r} is a group; a task decomposes a leaf indicator"))
    if unit is None:
        problems.append(FieldProblem("unit", f"plan {plan.id!r} has no unit {spec.get('unit')!r}"))
    fields = {
        "indicator_id": indicator, "unit_id": spec.get("unit"),
        "title": _text(spec.get("title"), "title", TEXT_MAX, problems),
        "quantity": _decimal(spec.get("quantity"), "quantity", problems, positive=True),
        "unit_of_measure": _text(spec.get("unit_of_measure"), "unit_of_measure", MEASURE_MAX, problems),
        "deadline": _deadline(plan, spec.get("deadline"), problems),
        **{k: _text(spec.get(k), k, NAME_MAX, problems, required=False) for k in ("lead", "deputy", "head")},
        "handlers": _handlers(spec.get("handlers"), problems),
    }
    if problems:
        raise InvalidInput(f"the task has {len(problems)} problem(s): {problems[0]}", problems=problems)
    return fields


def new_task(task_id: str, plan: Plan, spec: dict[str, Any], unit: Unit | None) -> Task:
    """A new task of a published plan's leaf, without progress."""
    return Task(id=task_id, plan_id=plan.id, **check_task(plan, spec, unit))


def change_task(task: Task, plan: Plan, spec: dict[str, Any], unit: Unit | None) -> None:
    """Replace what the task plans (progress stays); its unit of measure is fixed once progress exists."""
    fields = check_task(plan, spec, unit)
    if task.progress and fields["unit_of_measure"] != task.unit_of_measure:
        raise WrongState(f"progress is recorded in {task.unit_of_measure!r}; the unit of measure cannot change")
    for name, value in fields.items():
        setattr(task, name, value)
    task.revision += 1


def record_progress(task: Task, quarter: str, done: Any, note: str | None, recorded_by: str | None,
                    now: dt.datetime) -> dict[str, Any]:
    """Record the cumulative quantity done by the end of a quarter; re-entering a quarter replaces it.

    Entries stay in quarter order and never go down from one quarter to the next.
    """
    problems: list[FieldProblem] = []
    if quarter not in QUARTERS:
        problems.append(FieldProblem("quarter", f"must be one of {', '.join(QUARTERS)}, not {quarter!r}"))
    done = _decimal(done, "done", problems, positive=False)
    by = _text(recorded_by, "recorded_by", NAME_MAX, problems)
    note = _text(note, "note", TEXT_MAX, problems, required=False)
    others = [e for e in task.progress if e["quarter"] != quarter]
    if not problems:
        before = [e for e in others if QUARTERS.index(e["quarter"]) < QUARTERS.index(quarter)]
        after = [e for e in others if QUARTERS.index(e["quarter"]) > QUARTERS.index(quarter)]
        if before and done < Decimal(before[-1]["done"]):
            problems.append(FieldProblem("done", f"progress is cumulative: {done} {task.unit_of_measure} is below "
                                                 f"the {before[-1]['done']} recorded for {before[-1]['quarter']}"))
        if after and done > Decimal(after[0]["done"]):
            problems.append(FieldProblem("done", f"progress is cumulative: {done} {task.unit_of_measure} is above "
                                                 f"the {after[0]['done']} recorded for {after[0]['quarter']}; "
                                                 f"correct {after[0]['quarter']} first"))
    if problems:
        raise InvalidInput(f"the progress entry has {len(problems)} problem(s): {problems[0]}", problems=problems)
    entry = {"quarter": quarter, "done": done, "note": note, "recorded_by": by, "recorded_at": now.isoformat()}
    task.progress = sorted([*others, entry], key=lambda e: QUARTERS.index(e["quarter"]))
    task.revision += 1
    return entry


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
    measure: str | None            # the unit of measure compared with the target
    planned: Decimal | None        # the tasks' quantity in `measure` (None: not comparable)
    done: Decimal | None
    unassigned: Decimal | None     # target - planned; negative when the tasks exceed the target
    note: str | None               # why there is no comparison, or what it leaves out


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
        totals[t.unit_of_measure] = MeasureTotal(old.unit_of_measure, old.tasks + 1, old.quantity + t.quantity,
                                                 old.done + t.done_quantity())
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
    return TaskSummary(len(tasks), overdue, tuple(totals.values()), target, measure, planned,
                       counted.done if counted else Decimal(0), None if target is None else target - planned, note)


def summarize_leaf(plan: Plan, indicator_id: str, tasks: list[Task], targets: list[Target],
                   today: dt.date) -> LeafSummary:
    """The leaf's summary: all its tasks against its target, then each unit's against the unit's target."""
    node = plan.node(indicator_id)
    if node is None:
        raise NotFound(f"plan {plan.id!r} has no indicator {indicator_id!r}")
    if not is_leaf(plan, indicator_id):
        raise InvalidInput(f"{indicator_id!r} is a group; tasks decompose leaf indicators",
                           problems=[FieldProblem("indicator_id", "must be a leaf indicator, not a group")])
    default = None if node.get("target") is None else Decimal(str(node["target"]))
    declared = node.get("unit_of_measure") or None
    own = {t.unit_id: Decimal(str(t.target)) for t in targets if t.indicator_id == indicator_id}
    units = sorted({t.unit_id for t in tasks})
    return LeafSummary(indicator_id, summarize(tasks, default, declared, today),
                       tuple((u, summarize([t for t in tasks if t.unit_id == u], own.get(u, default), declared, today))
                             for u in units))


def _text(value: Any, path: str, limit: int, problems: list[FieldProblem], required: bool = True) -> str | None:
    if value is not None and not isinstance(value, str):
        problems.append(FieldProblem(path, "must be text"))
        return None
    text = (value or "").strip()
    if not text:
        if required:
            problems.append(FieldProblem(path, "is required"))
        return None
    if len(text) > limit:
        problems.append(FieldProblem(path, f"must be at most {limit} characters, not {len(text)}"))
    return text


def _decimal(value: Any, path: str, problems: list[FieldProblem], *, positive: bool) -> Decimal | None:
    """An exact number: a Decimal or an integer (a binary float could not be kept exactly)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        message = "is required" if value is None else f"must be an exact decimal number, not {type(value).__name__}"
        problems.append(FieldProblem(path, message))
        return None
    number = Decimal(value)
    if not number.is_finite():
        problems.append(FieldProblem(path, f"must be a finite number, not {number}"))
    elif positive and number <= 0:
        problems.append(FieldProblem(path, f"must be greater than 0, not {number}"))
    elif not positive and number < 0:
        problems.append(FieldProblem(path, f"must be 0 or more, not {number}"))
    return number


def _deadline(plan: Plan, value: Any, problems: list[FieldProblem]) -> dt.date | None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        problems.append(FieldProblem("deadline", "is required (a date, YYYY-MM-DD)"))
        return None
    first, last = deadline_window(plan)
    if not first <= value <= last:
        problems.append(FieldProblem("deadline", f"must fall between {first} and {last} for the {plan.year} plan, "
                                                 f"not {value}"))
    return value


def _handlers(value: Any, problems: list[FieldProblem]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(FieldProblem("handlers", "must be a list of names"))
        return []
    names: list[str] = []
    for i, raw in enumerate(value):
        name = _text(raw, f"handlers[{i}]", NAME_MAX, problems)
        if name in names:
            problems.append(FieldProblem(f"handlers[{i}]", f"{name!r} is listed twice"))
        elif name:
            names.append(name)
    return names

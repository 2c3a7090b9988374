"""Validation through the scoring rules (services/scoring/domain): one implementation, not two.

Plans go through `parse_plan`; targets and results go through `parse_bundle` on a small bundle
made of the stored plan, the units concerned and their targets, so every rule (unknown leaf,
group node, leaf not applying to the unit, unknown part or rating, manual points out of range,
target <= 0, missing target) is the scoring rules' own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jixiao.rules.bundle import BUNDLE_FORMAT, parse_bundle
from jixiao.rules.errors import Problem, ValidationError
from jixiao.rules.plan import parse_plan

from . import task_reporting
from .errors import FieldProblem, InvalidInput
from .model import Plan, Target, Unit


def plan_problems(body: dict[str, Any], indicators: list[dict[str, Any]]) -> list[FieldProblem]:
    """Every problem of a plan and its indicator tree, with JSON paths ($.plan..., $.indicators[i]...)."""
    try:
        parse_plan(body, indicators)
    except ValidationError as exc:
        return _fields(exc.problems)
    calendar = body.get("calendar")
    try:
        task_reporting.grace_days(calendar if isinstance(calendar, dict) else {})
    except InvalidInput as exc:
        return list(exc.problems)
    return []


def check_plan(body: dict[str, Any], indicators: list[dict[str, Any]]) -> None:
    """Raise InvalidInput listing every problem of the plan."""
    problems = plan_problems(body, indicators)
    if problems:
        raise InvalidInput(f"the plan has {len(problems)} problem(s): {problems[0]}", problems=problems)


def check_bundle(doc: dict[str, Any]) -> None:
    """Validate a bundle part as the `import` command does; raise InvalidInput listing every problem."""
    problems = bundle_problems({"format": BUNDLE_FORMAT, **doc})
    if problems:
        raise InvalidInput(f"the bundle has {len(problems)} problem(s): {problems[0]}", problems=problems)


def bundle_problems(doc: dict[str, Any]) -> list[FieldProblem]:
    try:
        parse_bundle(doc)
    except ValidationError as exc:
        return _fields(exc.problems)
    return []


def fact_problems(
    plan: Plan,
    units: Iterable[Unit],
    targets: Iterable[Target],
    results: list[dict[str, Any]] = (),
    new_targets: list[dict[str, Any]] = (),
) -> list[FieldProblem]:
    """Problems of result and target records against the stored plan and units.

    Paths are `$.results[i].<field>` / `$.targets[i].<field>` with i the record's index in the
    given list (stored targets that are replaced by `new_targets` are left out).
    """
    replaced = {(t["unit"], t["indicator"]) for t in new_targets}
    stored = [t.as_bundle() for t in targets if (t.unit_id, t.indicator_id) not in replaced]
    doc = {
        "format": BUNDLE_FORMAT,
        "plan": plan.body,
        "indicators": plan.indicators,
        "units": [u.as_bundle() for u in units],
        "targets": [*new_targets, *stored],
        "results": list(results),
    }
    return bundle_problems(doc)


def check_facts(
    plan: Plan,
    units: Iterable[Unit],
    targets: Iterable[Target],
    results: list[dict[str, Any]] = (),
    new_targets: list[dict[str, Any]] = (),
    strip: str | None = None,
) -> None:
    """Raise InvalidInput for any problem; `strip` removes a path prefix (one record from a REST body)."""
    problems = fact_problems(plan, units, targets, results, new_targets)
    if strip:
        problems = [FieldProblem(p.path.removeprefix(strip), p.message) for p in problems]
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s): {problems[0]}", problems=problems)


def _fields(problems: Iterable[Problem]) -> list[FieldProblem]:
    return [FieldProblem(p.path, p.message) for p in problems]

"""Read and validate a plan (方案) and its indicator tree, collecting every problem."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jixiao.rules import exactjson

from .decimals import HUNDRED, ONE, ZERO, in_scoring_context
from .errors import PlanError, Problem, ValidationError
from .fields import Problems, Reader, decimal_map, describe
from .model import (
    COMPONENT_TYPES,
    EFFICIENCY,
    INDICATORS,
    NO_ANSWER,
    PENALTY,
    PROGRESS,
    SURVEY,
    WEIGHTED_TYPES,
    Component,
    GradeBand,
    Plan,
    SurveyPlan,
    SurveyRound,
    VetoRule,
)
from .people import read_people_rules
from .periods import PERIODS, YEAR, is_period
from .tree import read_indicators


def parse_plan(
    plan: dict,
    indicators: list[dict],
    *,
    plan_path: str = "$.plan",
    indicators_path: str = "$.indicators",
) -> Plan:
    """Validate a plan dict and its indicator nodes into a Plan; raise PlanError with every problem.

    Numbers must be Decimals or ints (read JSON with parse_float=Decimal).
    """
    problems = Problems()
    result, _ = read_plan(plan, indicators, problems, plan_path=plan_path, indicators_path=indicators_path)
    if problems or result is None:
        raise PlanError(problems.items)
    return result


def load_plan_json(text: str | bytes) -> tuple[dict, list]:
    """The plan and indicator nodes of a plan document `{"plan": {...}, "indicators": [...]}` (the
    body of PlanPublished), read as exact JSON; raise PlanError when it is not one."""
    try:
        doc = exactjson.loads(text)
    except exactjson.InvalidJSON as exc:
        raise PlanError([Problem("$", str(exc))]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("plan"), dict):
        raise PlanError([Problem("$", "a plan document must be an object with `plan` and `indicators`")])
    indicators = doc.get("indicators") or []
    if not isinstance(indicators, list):
        raise PlanError([Problem("$.indicators", "must be a list")])
    return doc["plan"], indicators


def parse_plan_json(text: str | bytes) -> Plan:
    """`parse_plan` of a plan document's JSON text (see `load_plan_json`)."""
    plan, indicators = load_plan_json(text)
    return parse_plan(plan, indicators)


@in_scoring_context
def read_plan(
    plan: Any,
    indicators: Any,
    problems: Problems,
    *,
    plan_path: str = "$.plan",
    indicators_path: str = "$.indicators",
) -> tuple[Plan | None, frozenset[str]]:
    """Best-effort read: the plan (None if unusable) and the ids of indicator nodes that are broken.

    Problems go to `problems`; callers decide whether any problem rejects the input.
    """
    r = Reader(plan, plan_path, problems, "a plan object")
    if not r.is_obj:
        return None, frozenset()
    plan_id = r.str("id")
    name = r.str("name")
    year = r.int("year")
    components = _components(r, problems)
    bands = _grade_bands(r, problems)
    # every named grade, even of a refused band, so that one bad band is reported once
    grades = {
        b["grade"] for b in r.obj.get("grade_bands") or () if isinstance(b, dict) and isinstance(b.get("grade"), str)
    }
    eligible = _awards(r, problems, grades)
    veto = _veto(r, problems, grades)
    survey = _survey(r, problems, required=any(c.type == SURVEY for c in components))
    graded_periods = _graded_periods(r)
    groups = _groups(r)
    previous_plan = r.str("previous_plan", required=False)
    if previous_plan is not None and previous_plan == plan_id:
        r.fail("previous_plan", f"a plan cannot be its own previous plan ({plan_id!r})")
    _people(r, problems, year)
    nodes, broken = read_indicators(indicators, indicators_path, problems)
    if plan_id is None or year is None:
        return None, broken
    leaves = tuple(node for node in nodes.values() if node.is_leaf)
    if previous_plan is None and not r.has("previous_plan"):
        progress = [leaf.id for leaf in leaves if PROGRESS in _method_types(leaf)]
        if progress:
            r.fail(
                "previous_plan",
                f"is required: indicator(s) {', '.join(map(repr, progress))} score progress over the previous plan",
            )
    return (
        Plan(
            id=plan_id,
            name=name or plan_id,
            year=year,
            components=components,
            grade_bands=bands,
            eligible_grades=frozenset(eligible),
            veto=veto,
            survey=survey,
            indicators=nodes,
            leaves=leaves,
            graded_periods=graded_periods,
            groups=groups,
            previous_plan=previous_plan,
        ),
        broken,
    )


def _method_types(leaf) -> set[str]:
    return {leaf.method.type, *(p.method.type for p in leaf.method.parts)}


def _people(r: Reader, problems: Problems, year: int | None) -> None:
    """The optional `people` section (评优资格 rules, jixiao.rules.people): checked here, read where used."""
    if r.obj.get("people") is None:
        return
    try:
        read_people_rules(r.obj["people"], year or 0, r.at("people"))
    except ValidationError as exc:
        problems.items.extend(exc.problems)


def _graded_periods(r: Reader) -> tuple[str, ...]:
    """`graded_periods`: periods appraised like the year (scoring.md, Periods); Y is always one."""
    items = r.str_list("graded_periods", required=False)
    if items is None:
        return (YEAR,)
    for i, code in enumerate(items):
        if not is_period(code):
            r.problems.add(
                f"{r.at('graded_periods')}[{i}]", f"must be one of {', '.join(PERIODS)}, not {describe(code)}"
            )
    if len(set(items)) != len(items):
        r.fail("graded_periods", "lists a period twice")
    return tuple(p for p in PERIODS if p == YEAR or p in items)


def _groups(r: Reader) -> dict[str, str]:
    """`groups`: display names of ranking groups ({group id: name}); they label, never score."""
    items = r.dict("groups", required=False)
    if items is None:
        return {}
    names = Reader(items, r.at("groups"), r.problems)
    out = {}
    for key in items:
        name = names.str(key)
        if name is not None:
            out[str(key)] = name
    return out


# --- components, grades, awards, veto -------------------------------------------------------------


def _components(r: Reader, problems: Problems) -> tuple[Component, ...]:
    items = r.list("components")
    if items is None:
        return ()
    path = r.at("components")
    if not items:
        problems.add(path, "a plan needs at least one component")
    out: list[Component] = []
    keys: set[str] = set()
    kind_owner: dict[str, str] = {}
    weights_ok = True
    for i, item in enumerate(items):
        c = Reader(item, f"{path}[{i}]", problems)
        key = c.str("key")
        ctype = c.str("type")
        if ctype is not None and ctype not in COMPONENT_TYPES:
            c.fail("type", f"must be one of {', '.join(COMPONENT_TYPES)}, not {describe(ctype)}")
            ctype = None
        if key is not None:
            if key in keys:
                c.fail("key", f"duplicate component key {key!r}")
            keys.add(key)
        if ctype in (INDICATORS, SURVEY) and any(o.type == ctype for o in out):
            c.fail("type", f"a plan has at most one {ctype} component")
        weight = kinds = cap = None
        if ctype in WEIGHTED_TYPES:
            weight = c.decimal("weight", positive=True)
            weights_ok = weights_ok and weight is not None
        elif ctype == PENALTY and c.has("weight"):
            c.fail("weight", "a penalty component is not weighted")
        if ctype in (PENALTY, EFFICIENCY):
            kinds = c.str_list("kinds")
            if kinds is not None and not kinds:
                c.fail("kinds", f"a {ctype} component needs at least one deduction kind")
            for kind in kinds or ():
                if kind in kind_owner and kind_owner[kind] != key:
                    c.fail("kinds", f"deduction kind {kind!r} is already counted by component {kind_owner[kind]!r}")
                kind_owner[kind] = key or ""
        if ctype == PENALTY:
            cap = c.decimal("cap", required=False, low=ZERO)
        elif c.has("cap"):
            c.fail("cap", "only a penalty component has a cap")
        if c.ok and key is not None and ctype is not None:
            out.append(Component(key, ctype, weight, frozenset(kinds or ()), cap))
        elif ctype in WEIGHTED_TYPES:
            weights_ok = False
    weighted = [c for c in out if c.weighted]
    if weights_ok and items:
        total = sum((c.weight for c in weighted), ZERO)
        if total != ONE:
            problems.add(path, f"the weights of the weighted components must sum to exactly 1, not {total}")
    return tuple(out)


def _grade_bands(r: Reader, problems: Problems) -> tuple[GradeBand, ...]:
    items = r.list("grade_bands")
    if items is None:
        return ()
    path = r.at("grade_bands")
    if not items:
        problems.add(path, "a plan needs grade bands ending with a catch-all (min: null)")
        return ()
    out: list[GradeBand] = []
    previous: Decimal | None = None
    for i, item in enumerate(items):
        b = Reader(item, f"{path}[{i}]", problems)
        grade = b.str("grade")
        label = b.str("label")
        low = b.decimal("min", required=False)
        if grade is not None and any(o.grade == grade for o in out):
            b.fail("grade", f"duplicate grade {grade!r}")
        last = i == len(items) - 1
        if low is None and not last and b.ok:
            b.fail("min", "only the last band may have min null (the catch-all)")
        if low is not None and last:
            b.fail("min", "the last band must have min null (the catch-all)")
        if low is not None:
            if previous is not None and low >= previous:
                b.fail("min", f"bands must be ordered from the highest min down: {low} is not below {previous}")
            previous = low
        if b.ok and grade is not None and label is not None:
            out.append(GradeBand(grade, label, low))
    return tuple(out)


def _awards(r: Reader, problems: Problems, grades: set[str]) -> list[str]:
    obj = r.dict("awards")
    if obj is None:
        return []
    awards = Reader(obj, r.at("awards"), problems)
    eligible = awards.str_list("eligible_grades") or []
    for i, grade in enumerate(eligible):
        if grades and grade not in grades:
            problems.add(f"{awards.at('eligible_grades')}[{i}]", f"unknown grade {grade!r}")
    return eligible


def _veto(r: Reader, problems: Problems, grades: set[str]) -> VetoRule:
    obj = r.dict("veto")
    if obj is None:
        return VetoRule()
    v = Reader(obj, r.at("veto"), problems)
    categories = v.str_list("categories") or []
    grade = v.str("grade", required=False)
    if grade is not None and grades and grade not in grades:
        v.fail("grade", f"unknown grade {grade!r}")
        grade = None
    return VetoRule(frozenset(categories), grade)


def _survey(r: Reader, problems: Problems, required: bool) -> SurveyPlan | None:
    obj = r.dict("survey", required=required)
    if obj is None:
        return None
    s = Reader(obj, r.at("survey"), problems)
    items = s.list("rounds")
    if items is not None and not items:
        s.fail("rounds", "a survey needs at least one round")
    rounds: list[SurveyRound] = []
    for i, item in enumerate(items or []):
        rr = Reader(item, f"{s.at('rounds')}[{i}]", problems)
        rid = rr.str("id")
        weight = rr.decimal("weight", positive=True)
        period = rr.str("period")
        if period is not None and not is_period(period):
            rr.fail("period", f"must be one of {', '.join(PERIODS)}, not {describe(period)}")
        if rid is not None and any(o.id == rid for o in rounds):
            rr.fail("id", f"duplicate round {rid!r}")
        if rr.ok:
            rounds.append(SurveyRound(rid, weight, period))
    strata = decimal_map(s, "strata", problems, positive=True)
    answer_scores = decimal_map(s, "answer_scores", problems, low=ZERO, high=HUNDRED)
    if NO_ANSWER in answer_scores:
        problems.add(f"{s.at('answer_scores')}.{NO_ANSWER}", f"{NO_ANSWER!r} is always skipped and has no score")
    return SurveyPlan(tuple(rounds), strata, answer_scores)

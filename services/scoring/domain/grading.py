"""A unit's total, status and grade (`score_unit`), and ranks within groups (`grade_period`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal

from jixiao.rules.bundle import Bundle
from jixiao.rules.decimals import HUNDRED, ZERO, in_scoring_context, round2
from jixiao.rules.errors import ScoringError
from jixiao.rules.model import (
    EFFICIENCY,
    FINAL,
    INCOMPLETE,
    INDICATORS,
    PENALTY,
    PROVISIONAL,
    SURVEY,
    Plan,
    RoundScore,
    SurveyResponse,
    Unit,
    UnitFacts,
)
from jixiao.rules.periods import PERIODS, YEAR, date_in, is_period, round_counts
from jixiao.rules.survey import round_score_of_unique, stratum_weights, unique_responses

from .deductions import deduction_lines, resolve_deductions
from .indicators import counted_results, indicator_component
from .model import ComponentLine, Explanation, UnitScore, VetoLine
from .survey import survey_component


def grade_for(plan: Plan, total: Decimal, vetoed: bool) -> str:
    """The grade of a rounded total: the first band whose min ≤ total, lowered (never raised)
    to `veto.grade` when vetoed."""
    index = next(i for i, band in enumerate(plan.grade_bands) if band.min is None or band.min <= total)
    if vetoed and plan.veto.grade is not None:
        veto_index = next(i for i, band in enumerate(plan.grade_bands) if band.grade == plan.veto.grade)
        index = max(index, veto_index)  # later bands are lower
    return plan.grade_bands[index].grade


def _check_period(period: str) -> None:
    if not is_period(period):
        raise ScoringError(f"unknown period {period!r} (expected one of {', '.join(PERIODS)})")


def _round_scores(plan: Plan, facts: UnitFacts, period: str) -> dict[str, RoundScore]:
    """Round scores for the rounds that feed `period`: precomputed, or from raw responses; an
    external score (supplied by the county office) wins over the round's responses."""
    survey = plan.survey
    by_round: dict[str, list[SurveyResponse]] = {}
    for response in unique_responses(facts.responses):  # first delivery first, then by round
        by_round.setdefault(response.round, []).append(response)
    for round_id in (*facts.round_scores, *by_round):
        if survey is None or survey.round(round_id) is None:
            raise ScoringError(f"survey data for unknown round {round_id!r}")
    if survey is None:
        return {}
    weights = stratum_weights(survey, facts.stratum_weights)
    scores: dict[str, RoundScore] = {}
    for rnd in survey.rounds:
        if not round_counts(rnd.period, period):
            continue
        if rnd.id in facts.round_scores:
            if rnd.id in by_round and not facts.round_scores[rnd.id].external:  # an external score wins
                raise ScoringError(f"round {rnd.id!r} is given both as responses and as a precomputed score")
            scores[rnd.id] = facts.round_scores[rnd.id]
        elif rnd.id in by_round:
            computed = round_score_of_unique(rnd.id, by_round[rnd.id], weights, survey.answer_scores)
            if computed is not None:
                scores[rnd.id] = computed
    return scores


def period_left_out(plan: Plan, facts: Iterable[UnitFacts], period: str) -> frozenset[str]:
    """The components a graded quarter or half-year leaves out for every unit (scoring.md, Periods):
    an indicators component without a confirmed result of the period for any unit, a survey
    component without a scored round inside the period for any unit. Y leaves nothing out."""
    if period == YEAR:
        return frozenset()
    facts = list(facts)
    has_results = any(counted_results(f.results, period)[0] for f in facts)
    has_survey = any(_round_scores(plan, f, period) for f in facts)
    return frozenset(
        c.key
        for c in plan.components
        if (c.type == INDICATORS and not has_results) or (c.type == SURVEY and not has_survey)
    )


@in_scoring_context
def score_unit(
    plan: Plan, unit: Unit, facts: UnitFacts, period: str = "Y", *, left_out: frozenset[str] | None = None
) -> UnitScore:
    """Score one unit for `period` from its validated facts, with the explanation.

    Status, total, grade and award are set here; the rank needs the whole group (`grade_period`).
    The year is always graded. A quarter or half-year that the plan lists in `graded_periods` is
    graded like the year when the caller gives `left_out` (the plan-wide `period_left_out`: the
    same formula for every unit); without it, or for a period the plan does not grade, the score
    is a provisional progress check whose empty components are left out unit by unit.
    """
    _check_period(period)
    graded = period == YEAR or (left_out is not None and plan.is_graded(period))
    provisional = not graded
    left_out = frozenset() if provisional or left_out is None else left_out
    deductions, notices = resolve_deductions(facts.deductions)
    lines: list[ComponentLine] = []
    scores: dict[str, Decimal | None] = {}
    missing: list[str] = []
    survey_se: Decimal | None = None
    for comp in plan.components:
        leaves = rounds = taken = ()
        cap = None
        if comp.type == INDICATORS:
            outcome = indicator_component(plan, unit.kind, facts.results, facts.targets, period, facts.previous)
            # no data: left out unit by unit in a progress check, plan-wide in a graded period
            skip = comp.key in left_out or (provisional and outcome.counted == 0)
            score = None if skip else outcome.score
            leaves = outcome.lines
            if not skip:
                missing.extend(outcome.missing)
        elif comp.type == SURVEY:
            outcome = None
            if comp.key not in left_out:
                outcome = survey_component(plan.survey.rounds, _round_scores(plan, facts, period))
            score = survey_se = None
            if outcome is not None:
                score, survey_se, rounds = outcome.score, outcome.se, outcome.rounds
        elif comp.type == EFFICIENCY:
            counted, taken = deduction_lines(deductions, comp.kinds, period, plan.year, HUNDRED)
            score, cap = HUNDRED - counted, HUNDRED
        elif comp.type == PENALTY:
            score, taken = deduction_lines(deductions, comp.kinds, period, plan.year, comp.cap)
            cap = comp.cap
        else:  # pragma: no cover - parse_plan admits only the four types
            raise ScoringError(f"unknown component type {comp.type!r}")
        scores[comp.key] = score
        lines.append(ComponentLine(comp.key, comp.type, comp.weight, score, ZERO, leaves, rounds, taken, cap))

    weighted = [c for c in plan.components if c.weighted and c.key not in left_out]
    present = [c for c in weighted if scores[c.key] is not None]
    missing.extend(f"component:{c.key}" for c in weighted if scores[c.key] is None)
    if provisional:
        status = PROVISIONAL
        weights = _rescaled(present)
    else:
        status = FINAL if len(present) == len(weighted) else INCOMPLETE
        weights = _rescaled(weighted) if left_out else {c.key: c.weight for c in weighted}

    for i, line in enumerate(lines):
        if line.type == PENALTY:
            lines[i] = replace(line, contribution=-line.score)
        else:
            weight = weights.get(line.key, line.weight)
            contribution = weight * line.score if line.score is not None else ZERO
            lines[i] = replace(line, weight=weight, contribution=contribution)

    has_total = status == FINAL or (status == PROVISIONAL and present)
    total_exact = sum((line.contribution for line in lines), ZERO) if has_total else None
    total = round2(total_exact) if total_exact is not None else None

    veto_lines = []
    for veto in facts.vetoes:
        if veto.category not in plan.veto.categories:
            raise ScoringError(f"veto {veto.id!r}: category {veto.category!r} is not in the plan")
        veto_lines.append(VetoLine(veto.id, veto.category, veto.date, date_in(veto.date, period, plan.year)))
    vetoed = any(v.counted for v in veto_lines)

    grade = grade_for(plan, total, vetoed) if status == FINAL else None
    return UnitScore(
        plan=plan.id,
        unit=unit.id,
        group=unit.group,
        period=period,
        status=status,
        components={key: value for key, value in scores.items() if value is not None},
        survey_se=survey_se,
        total_exact=total_exact,
        total=total,
        grade=grade,
        vetoed=vetoed,
        award_eligible=status == FINAL and grade in plan.eligible_grades and not vetoed,
        missing=tuple(missing),
        explanation=Explanation(unit.id, period, tuple(lines), total_exact, tuple(veto_lines), tuple(notices)),
    )


def _rescaled(components: list) -> dict[str, Decimal]:
    """The components' weights rescaled to sum to 1 (the left-out ones' share spread over the rest)."""
    total = sum((c.weight for c in components), ZERO)
    return {c.key: c.weight / total for c in components}


def rank_within_groups(scores: Iterable[UnitScore]) -> dict[str, int]:
    """Competition ranks (1, 2, 2, 4) of the final units by rounded total, within each group."""
    groups: dict[str, list[UnitScore]] = {}
    for score in scores:
        if score.status == FINAL:
            groups.setdefault(score.group, []).append(score)
    ranks: dict[str, int] = {}
    for members in groups.values():
        members.sort(key=lambda s: s.total, reverse=True)
        for position, score in enumerate(members, start=1):
            previous = members[position - 2] if position > 1 else None
            if previous is not None and previous.total == score.total:
                ranks[score.unit] = ranks[previous.unit]
            else:
                ranks[score.unit] = position
    return ranks


def grade_period(plan: Plan, scores: Iterable[UnitScore], period: str = "Y") -> list[UnitScore]:
    """Rank the final units of a period within their groups; return every score, by unit id."""
    _check_period(period)
    scores = list(scores)
    seen: set[str] = set()
    for score in scores:
        if score.plan != plan.id or score.period != period:
            raise ScoringError(f"unit {score.unit}: scored for {score.plan}/{score.period}, not {plan.id}/{period}")
        if score.unit in seen:
            raise ScoringError(f"unit {score.unit} is scored twice")
        seen.add(score.unit)
    ranks = rank_within_groups(scores)
    return sorted((replace(s, rank=ranks.get(s.unit)) for s in scores), key=lambda s: s.unit)


def score_period(
    plan: Plan, units: Iterable[Unit], facts: Mapping[str, UnitFacts], period: str = "Y"
) -> list[UnitScore]:
    """Score and rank every unit for a period (`score_unit` then `grade_period`); a period the plan
    grades is graded on one formula for all units (`period_left_out`)."""
    empty = UnitFacts()
    units = list(units)
    left_out = period_left_out(plan, facts.values(), period) if plan.is_graded(period) else None
    return grade_period(
        plan, (score_unit(plan, u, facts.get(u.id, empty), period, left_out=left_out) for u in units), period
    )


def score_bundle(bundle: Bundle, period: str = "Y") -> list[UnitScore]:
    """Score and rank every unit of a bundle for `period`, by unit id."""
    return score_period(bundle.plan, bundle.units, bundle.facts, period)

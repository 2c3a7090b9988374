"""The indicator component: method fractions, latest-confirmed-wins, missing leaves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from jixiao.rules.decimals import HUNDRED, ONE, ZERO, in_scoring_context
from jixiao.rules.errors import ScoringError
from jixiao.rules.model import (
    BANDS,
    BOOLEAN,
    BUDGET_EXECUTION,
    COMPOSITE,
    INVERSE_RATIO,
    MANUAL,
    PROGRESS,
    RATING,
    RATIO,
    Indicator,
    Method,
    Plan,
    PreviousValue,
    Result,
)

from .model import LeafLine
from .progress import progress_fraction

ResultKey = tuple[str, str | None]  # (leaf id, part key or None)


def target_for(leaf: Indicator, targets: Mapping[str, Decimal]) -> Decimal | None:
    """The unit's target for a leaf: its `targets` entry, else the leaf's default."""
    return targets.get(leaf.id, leaf.target)


@in_scoring_context
def method_fraction(method: Method, result: Result, *, target: Decimal | None, max_points: Decimal) -> Decimal:
    """The fraction f in [0, 1] that a (non-composite) method gives a result.

    Raises ScoringError when the result lacks the method's input or breaks a rule (the facts
    should have been validated before).
    """
    mtype = method.type
    if mtype in (RATIO, INVERSE_RATIO, BANDS):
        actual = result.actual
        if actual is None:
            raise ScoringError(f"{result.indicator}: a {mtype} result needs `actual`")
        if target is None or target <= 0:
            raise ScoringError(f"{result.indicator}: a {mtype} method needs a target > 0, not {target}")
        if mtype == RATIO:
            return min(ONE, max(ZERO, actual / target))
        if mtype == INVERSE_RATIO:
            return ONE if actual <= target else target / actual
        completion = actual / target
        return next((band.fraction for band in method.bands if band.min <= completion), ZERO)
    if mtype == RATING:
        try:
            return method.ratings[result.rating]  # type: ignore[index]
        except KeyError:
            raise ScoringError(f"{result.indicator}: unknown rating {result.rating!r}") from None
    if mtype == BOOLEAN:
        if result.done is None:
            raise ScoringError(f"{result.indicator}: a boolean result needs `done`")
        return ONE if result.done else ZERO
    if mtype == BUDGET_EXECUTION:
        budget, spent = result.budget, result.spent
        if budget is None or spent is None or budget <= 0 or spent < 0:
            raise ScoringError(f"{result.indicator}: budget execution needs budget > 0 and spent ≥ 0")
        execution = spent / budget
        if method.bands:
            return next((band.fraction for band in method.bands if band.min <= execution), ZERO)
        return min(ONE, execution)
    if mtype == MANUAL:
        points = result.points
        if points is None or not ZERO <= points <= max_points:
            raise ScoringError(f"{result.indicator}: manual points must be within [0, {max_points}], not {points}")
        return points / max_points
    raise ScoringError(f"{result.indicator}: method {mtype!r} has no single-result fraction")


def method_input(method: Method, result: Result, target: Decimal | None) -> dict[str, object]:
    """The input a method used, for the explanation."""
    if method.type in (RATIO, INVERSE_RATIO, BANDS):
        return {"actual": result.actual, "target": target}
    if method.type == RATING:
        return {"rating": result.rating}
    if method.type == BOOLEAN:
        return {"done": result.done}
    if method.type == BUDGET_EXECUTION:
        return {"budget": result.budget, "spent": result.spent, "execution": result.spent / result.budget}
    return {"points": result.points}


def counted_results(results: Iterable[Result], period: str) -> tuple[dict[ResultKey, Result], set[ResultKey]]:
    """The counted result per (leaf, part) in `period`, and the keys with a pending correction.

    The last confirmed result in input order counts; an unconfirmed result never replaces a
    confirmed one, it is only pending (shown as provisional by the services).
    """
    counted: dict[ResultKey, Result] = {}
    pending: set[ResultKey] = set()
    for result in results:
        if result.period != period:
            continue
        key = (result.indicator, result.part)
        if result.confirmed:
            counted[key] = result
            pending.discard(key)
        else:
            pending.add(key)
    return counted, pending


@dataclass(frozen=True, slots=True)
class IndicatorOutcome:
    """The indicator component of one unit: score, per-leaf lines, missing entries."""

    score: Decimal
    counted: int  # how many results counted (0: no data for the period)
    earned: Decimal  # Σ points
    possible: Decimal  # Σ max_points over L(u)
    lines: tuple[LeafLine, ...]
    missing: tuple[str, ...]


@in_scoring_context
def indicator_component(
    plan: Plan,
    kind: str,
    results: Iterable[Result],
    targets: Mapping[str, Decimal],
    period: str,
    previous: Mapping[tuple[str, str], PreviousValue] | None = None,
) -> IndicatorOutcome:
    """Score the indicator tree for a unit of `kind` from its results in `period` (and, for progress
    leaves, last year's values in `previous`).

    indicator score = 100 × Σ points / Σ max_points over L(u), where a line's
    points = max_points × weight × fraction (weight = the part's weight, 1 for a whole leaf).
    """
    leaves = plan.leaves_for(kind)
    counted, pending = counted_results(results, period)
    applicable = {leaf.id for leaf in leaves}
    for leaf_id, _ in counted:
        if leaf_id not in applicable:
            raise ScoringError(f"a result for indicator {leaf_id!r}, which is not a leaf that applies to kind {kind!r}")
    lines: list[LeafLine] = []
    missing: list[str] = []
    possible = ZERO
    for leaf in leaves:
        max_points = leaf.max_points
        possible += max_points
        target = target_for(leaf, targets)
        method = leaf.method
        if method.type == COMPOSITE:
            slots = [(part.key, part.weight, part.method) for part in method.parts]
        else:
            slots = [(None, ONE, method)]
        for part_key, weight, part_method in slots:
            key = (leaf.id, part_key)
            result = counted.get(key)
            if part_method.type == PROGRESS:
                if result is not None:
                    raise ScoringError(
                        f"a result for {leaf.id}{'#' + part_key if part_key else ''}: progress is computed"
                    )
                outcome = progress_fraction(plan, part_method, counted, targets, previous or {}, period)
                if outcome.missing:
                    missing.append(f"progress:{leaf.id}" + (f"#{part_key}" if part_key else ""))
                fraction = outcome.fraction
                lines.append(
                    LeafLine(
                        indicator=leaf.id,
                        part=part_key,
                        method=PROGRESS,
                        max_points=max_points,
                        weight=weight,
                        fraction=fraction,
                        points=max_points * weight * fraction,
                        input=outcome.input,
                        source=outcome.source,
                    )
                )
                continue
            confirmed_by = confirmed_at = None
            if result is None:
                fraction, used, source = ZERO, None, None
                missing.append(f"indicator:{leaf.id}" + (f"#{part_key}" if part_key else ""))
            else:
                fraction = method_fraction(part_method, result, target=target, max_points=max_points)
                used, source = method_input(part_method, result, target), result.source
                confirmed_by, confirmed_at = result.confirmed_by, result.confirmed_at
            lines.append(
                LeafLine(
                    indicator=leaf.id,
                    part=part_key,
                    method=part_method.type,
                    max_points=max_points,
                    weight=weight,
                    fraction=fraction,
                    points=max_points * weight * fraction,
                    input=used,
                    source=source,
                    pending=key in pending,
                    confirmed_by=confirmed_by,
                    confirmed_at=confirmed_at,
                )
            )
    earned = sum((line.points for line in lines), ZERO)
    score = earned * HUNDRED / possible if possible else ZERO
    return IndicatorOutcome(score, len(counted), earned, possible, tuple(lines), tuple(missing))

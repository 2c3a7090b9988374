"""Progress over last year (绩效进步): a `progress` leaf or part scores the change of a unit's
completion ratio for another leaf (or composite part) against the same leaf's confirmed result of
the plan named `previous_plan` (docs/plan-rules.md states the rule; this is its one implementation).

    ratio    = actual / target                (each year its own target: the unit's, else the leaf's)
    change   = ratio_this_year − ratio_last_year     (inverse_ratio: last year's − this year's)
    fraction = the first band, highest `min` first, with min ≤ change (the last band catches all)

Without both values (no confirmed result this year or last year for that unit and period) the
slot earns the method's `missing_fraction` (default 0) and is listed as `progress:<leaf>[#part]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from jixiao.rules.decimals import ZERO, in_scoring_context
from jixiao.rules.errors import ScoringError
from jixiao.rules.model import TARGET_METHODS, Method, Plan, PreviousValue, Result, UnitFacts
from jixiao.rules.tree import PART_SEP, compared_slot, higher_is_better

ResultKey = tuple[str, str | None]  # (leaf id, part key or None), as in indicators.counted_results


def ref_key(ref: str) -> ResultKey:
    """The (leaf, part) key of a progress reference `leaf` or `leaf#part`."""
    leaf_id, _, part = ref.partition(PART_SEP)
    return leaf_id, part or None


def latest_confirmed(results: Iterable[Result]) -> dict[tuple[str, str | None, str], Result]:
    """The counted result per (leaf, part, period): the last confirmed one in input order."""
    out: dict[tuple[str, str | None, str], Result] = {}
    for result in results:
        if result.confirmed:
            out[(result.indicator, result.part, result.period)] = result
    return out


@in_scoring_context
def previous_values(plan: Plan, previous: Plan, facts: UnitFacts) -> dict[tuple[str, str], PreviousValue]:
    """Last year's values of the slots `plan`'s progress methods compare, from one unit's facts in
    the previous plan `previous`: its last confirmed `actual` of that leaf (or part), per period,
    over that year's target. A slot that has no ratio-type method in `previous`, no target, or no
    confirmed result there gives nothing (the progress slot is then missing)."""
    out: dict[tuple[str, str], PreviousValue] = {}
    counted = latest_confirmed(facts.results)
    for ref in sorted(plan.progress_refs()):
        slot = compared_slot(ref, previous.indicators)
        if slot is None or slot[1].type not in TARGET_METHODS:
            continue
        leaf, _ = slot
        target = facts.targets.get(leaf.id, leaf.target)
        if target is None or target <= 0:
            continue
        leaf_id, part = ref_key(ref)
        for (ind, prt, period), result in counted.items():
            if ind == leaf_id and prt == part and result.actual is not None:
                out[(ref, period)] = PreviousValue(previous.id, ref, period, result.actual, target, result.source)
    return out


@dataclass(frozen=True, slots=True)
class ProgressOutcome:
    """What a progress slot earned and why (the explanation's `input`); `missing` when a year lacks a value."""

    fraction: Decimal
    input: dict[str, object]
    missing: bool
    source: str | None


@in_scoring_context
def progress_fraction(
    plan: Plan,
    method: Method,
    counted: Mapping[ResultKey, Result],
    targets: Mapping[str, Decimal],
    previous: Mapping[tuple[str, str], PreviousValue],
    period: str,
) -> ProgressOutcome:
    """The fraction of a progress slot for one unit in `period` (see the module docstring)."""
    ref = method.of
    leaf, compared = compared_slot(ref, plan.indicators)  # checked by the plan's validation
    better_up = higher_is_better(compared)
    info: dict[str, object] = {
        "of": ref,
        "previous_plan": plan.previous_plan,
        "direction": "up" if better_up else "down",
    }
    now = counted.get(ref_key(ref))
    target = targets.get(leaf.id, leaf.target)
    ratio_now = None
    if now is not None and now.actual is not None and target is not None and target > 0:
        ratio_now = now.actual / target
        info.update(actual=now.actual, target=target, ratio=ratio_now)
    last = previous.get((ref, period))
    if last is not None:
        info.update(previous_actual=last.actual, previous_target=last.target, previous_ratio=last.ratio)
    if ratio_now is None or last is None:
        fraction = method.missing_fraction if method.missing_fraction is not None else ZERO
        info["missing"] = "this year" if ratio_now is None else "last year"
        return ProgressOutcome(fraction, info, True, now.source if now is not None else None)
    change = ratio_now - last.ratio if better_up else last.ratio - ratio_now
    band = next(b for b in method.bands if b.min is None or b.min <= change)
    info.update(change=change, band_min=band.min)
    return ProgressOutcome(band.fraction, info, False, now.source)


def with_previous(
    plan: Plan, facts: Mapping[str, UnitFacts], previous: Plan, previous_facts: Mapping[str, UnitFacts]
) -> dict[str, UnitFacts]:
    """Each unit's facts with last year's values attached (units matched by id; a unit absent
    from the previous plan has none). `previous` must be the plan that `plan.previous_plan` names."""
    if plan.previous_plan != previous.id:
        named = repr(plan.previous_plan) if plan.previous_plan else "none"
        raise ScoringError(f"plan {plan.id!r} names previous plan {named}, not {previous.id!r}")
    empty = UnitFacts()
    return {
        unit_id: replace(f, previous=previous_values(plan, previous, previous_facts.get(unit_id, empty)))
        for unit_id, f in facts.items()
    }

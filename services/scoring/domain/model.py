"""Scores and their explanation: what scoring makes of a unit's facts (the plan and facts live in
`jixiao.rules.model`, shared by every service)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from jixiao.rules.errors import Problem
from jixiao.rules.model import StratumStat

# --- scores and their explanation ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeafLine:
    """What one leaf (or one composite part) earned: points = max_points × weight × fraction."""

    indicator: str
    part: str | None
    method: str
    max_points: Decimal
    weight: Decimal  # the part's weight; 1 for a whole leaf
    fraction: Decimal
    points: Decimal
    input: Mapping[str, object] | None  # the counted input (and target), None when missing
    source: str | None = None
    pending: bool = False  # an unconfirmed result waits after the counted one
    confirmed_by: str | None = None  # who confirmed the counted result
    confirmed_at: str | None = None  # and when (ISO 8601)


@dataclass(frozen=True, slots=True)
class RoundLine:
    """What one survey round contributed: S_r with weight w_r, from its strata; or, `external`,
    a score supplied from outside (with its source and document), used as given, without SE."""

    round: str
    weight: Decimal
    score: Decimal
    se: Decimal | None
    strata: tuple[StratumStat, ...]
    external: bool = False
    source: str | None = None
    document: str | None = None


@dataclass(frozen=True, slots=True)
class DeductionLine:
    """One deduction and what it took off: status counted, capped, revoked, outside_period."""

    id: str
    kind: str
    date: dt.date
    points: Decimal
    counted: Decimal
    status: str
    source: str | None = None
    aspect: str | None = None
    inspection: str | None = None  # the inspection whose finding made it
    appeal: str | None = None  # the unit's appeal against it
    appeal_outcome: str | None = None  # open | rejected | granted
    reason: str | None = None  # why it was revoked


@dataclass(frozen=True, slots=True)
class ComponentLine:
    """One component: its (effective) weight, exact score and contribution to the total.

    Weighted: contribution = weight × score. Penalty: contribution = −score (D). A missing or
    left-out component has score None and contributes 0.
    """

    key: str
    type: str
    weight: Decimal | None
    score: Decimal | None
    contribution: Decimal
    leaves: tuple[LeafLine, ...] = ()
    rounds: tuple[RoundLine, ...] = ()
    deductions: tuple[DeductionLine, ...] = ()
    cap: Decimal | None = None  # the most points the component may deduct (a penalty's cap, 100 for efficiency)


@dataclass(frozen=True, slots=True)
class VetoLine:
    """A veto and whether it counts in the period."""

    id: str
    category: str
    date: dt.date
    counted: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """Which inputs gave which points; Σ component contributions = total_exact."""

    unit: str
    period: str
    components: tuple[ComponentLine, ...]
    total_exact: Decimal | None
    vetoes: tuple[VetoLine, ...] = ()
    notices: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class UnitScore:
    """A unit's score for a period; `rank` is set by `grade_period`."""

    plan: str
    unit: str
    group: str
    period: str
    status: str
    components: Mapping[str, Decimal]  # exact; weighted 0–100, penalty = points deducted
    survey_se: Decimal | None
    total_exact: Decimal | None
    total: Decimal | None  # rounded half-up to 2 places; grade and rank use this
    grade: str | None
    vetoed: bool
    award_eligible: bool
    missing: tuple[str, ...]
    explanation: Explanation
    rank: int | None = None

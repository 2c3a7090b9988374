"""The plan contract's values: plans, their indicator tree, and the facts known about a unit.

Every class is a frozen dataclass holding Decimals (never floats). Mappings are plain dicts
that nobody mutates after construction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

# --- vocabularies -------------------------------------------------------------------------------

INDICATORS, SURVEY, EFFICIENCY, PENALTY = "indicators", "survey", "efficiency", "penalty"
COMPONENT_TYPES = (INDICATORS, SURVEY, EFFICIENCY, PENALTY)
WEIGHTED_TYPES = (INDICATORS, SURVEY, EFFICIENCY)

RATIO, INVERSE_RATIO, BANDS, RATING, BOOLEAN, MANUAL, COMPOSITE, PROGRESS, BUDGET_EXECUTION = (
    "ratio",
    "inverse_ratio",
    "bands",
    "rating",
    "boolean",
    "manual",
    "composite",
    "progress",
    "budget_execution",
)
METHOD_TYPES = (RATIO, INVERSE_RATIO, BANDS, RATING, BOOLEAN, MANUAL, COMPOSITE, PROGRESS, BUDGET_EXECUTION)
TARGET_METHODS = frozenset({RATIO, INVERSE_RATIO, BANDS})
# methods whose result nobody enters: the rules compute it (绩效进步 from two years' results)
COMPUTED_METHODS = frozenset({PROGRESS})
# the field of a result that feeds each (non-composite) method
INPUT_FIELD = {
    RATIO: "actual",
    INVERSE_RATIO: "actual",
    BANDS: "actual",
    RATING: "rating",
    BOOLEAN: "done",
    MANUAL: "points",
}
# budget_execution (财政资金效率) reads two amounts of one result: the budget and what was spent of it
BUDGET_FIELDS = ("budget", "spent")

FINAL, INCOMPLETE, PROVISIONAL = "final", "incomplete", "provisional"
NO_ANSWER = "no_answer"


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Band:
    """A step of a `bands` method: from `min` (a completion ratio) up, the leaf earns `fraction`.

    In a `progress` method `min` is a change of the completion ratio, and the last band's `min`
    is None (the catch-all)."""

    min: Decimal | None
    fraction: Decimal


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a composite method, with its own method and weight."""

    key: str
    weight: Decimal
    method: Method


@dataclass(frozen=True, slots=True)
class Method:
    """How a leaf turns a result into a fraction of its points."""

    type: str
    bands: tuple[Band, ...] = ()
    ratings: Mapping[str, Decimal] = field(default_factory=dict)
    parts: tuple[Part, ...] = ()
    of: str | None = None  # progress: the leaf (or `leaf#part`) whose completion ratio is compared
    missing_fraction: Decimal | None = None  # progress: the fraction earned without both years' values

    @property
    def computed(self) -> bool:
        """True for a method whose input nobody enters (progress): a typed result is refused."""
        return self.type in COMPUTED_METHODS

    @property
    def needs_target(self) -> bool:
        """True when this method (or one of its parts) divides by a target."""
        return self.type in TARGET_METHODS or any(p.method.type in TARGET_METHODS for p in self.parts)

    def part(self, key: str) -> Part | None:
        """The composite part called `key`, if any."""
        return next((p for p in self.parts if p.key == key), None)


@dataclass(frozen=True, slots=True)
class Indicator:
    """A node of the indicator tree; a leaf has `max_points` and a `method`, a group has neither."""

    id: str
    name: str
    parent: str | None = None
    max_points: Decimal | None = None
    method: Method | None = None
    target: Decimal | None = None
    applies_to: frozenset[str] | None = None

    @property
    def is_leaf(self) -> bool:
        """True for a scored leaf, False for a group node."""
        return self.method is not None

    def applies(self, kind: str) -> bool:
        """True when the leaf applies to units of this kind."""
        return self.applies_to is None or kind in self.applies_to


@dataclass(frozen=True, slots=True)
class Component:
    """A component of the total: weighted (indicators, survey, efficiency) or a penalty."""

    key: str
    type: str
    weight: Decimal | None = None
    kinds: frozenset[str] = frozenset()
    cap: Decimal | None = None

    @property
    def weighted(self) -> bool:
        """True for the components that enter the weighted sum."""
        return self.type in WEIGHTED_TYPES


@dataclass(frozen=True, slots=True)
class GradeBand:
    """A grade from `min` up; the last band has `min` None (the catch-all)."""

    grade: str
    label: str
    min: Decimal | None


@dataclass(frozen=True, slots=True)
class VetoRule:
    """Which veto categories count and the grade a vetoed unit is lowered to (None: award only)."""

    categories: frozenset[str] = frozenset()
    grade: str | None = None


@dataclass(frozen=True, slots=True)
class SurveyRound:
    """A public-evaluation round, its weight and the period it lies in."""

    id: str
    weight: Decimal
    period: str


@dataclass(frozen=True, slots=True)
class SurveyPlan:
    """The survey part of a plan: rounds, default stratum weights and answer scores."""

    rounds: tuple[SurveyRound, ...] = ()
    strata: Mapping[str, Decimal] = field(default_factory=dict)
    answer_scores: Mapping[str, Decimal] = field(default_factory=dict)

    def round(self, round_id: str) -> SurveyRound | None:
        """The round called `round_id`, if any."""
        return next((r for r in self.rounds if r.id == round_id), None)


@dataclass(frozen=True, slots=True)
class Plan:
    """A validated plan (方案) with its indicator tree; build it with `parse_plan`."""

    id: str
    name: str
    year: int
    components: tuple[Component, ...]
    grade_bands: tuple[GradeBand, ...]
    eligible_grades: frozenset[str]
    veto: VetoRule
    survey: SurveyPlan | None
    indicators: Mapping[str, Indicator]  # every node, in input order
    leaves: tuple[Indicator, ...]  # the leaves, in input order
    graded_periods: tuple[str, ...] = ("Y",)  # periods closed with grades, ranks and a snapshot; Y always
    groups: Mapping[str, str] = field(default_factory=dict)  # display names of ranking groups (labels only)
    previous_plan: str | None = None  # last year's plan, which `progress` leaves compare against

    def progress_refs(self) -> frozenset[str]:
        """The leaves (or `leaf#part`s) that some progress method compares across the two years."""
        refs = set()
        for leaf in self.leaves:
            for method in (leaf.method, *(p.method for p in leaf.method.parts)):
                if method.type == PROGRESS and method.of:
                    refs.add(method.of)
        return frozenset(refs)

    def is_graded(self, period: str) -> bool:
        """True for the year and the periods the plan appraises (`graded_periods`)."""
        return period == "Y" or period in self.graded_periods

    def group_name(self, group: str) -> str:
        """The display name of a ranking group, or its id."""
        return self.groups.get(group, group)

    def leaves_for(self, kind: str) -> tuple[Indicator, ...]:
        """L(u): the leaves that apply to units of this kind."""
        return tuple(leaf for leaf in self.leaves if leaf.applies(kind))

    def component(self, key: str) -> Component | None:
        """The component called `key`, if any."""
        return next((c for c in self.components if c.key == key), None)

    def band(self, grade: str) -> GradeBand | None:
        """The band of `grade`, if any."""
        return next((b for b in self.grade_bands if b.grade == grade), None)

    def label(self, grade: str | None) -> str:
        """The display label of a grade (e.g. 优), or '' for none."""
        band = self.band(grade) if grade else None
        return band.label if band else ""


# --- facts about one unit -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unit:
    """An assessed unit; `group` is the ranking group (its kind unless given)."""

    id: str
    name: str
    kind: str
    group: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """One indicator result (a version of it) for a leaf or a composite part, in a period."""

    indicator: str
    period: str
    confirmed: bool
    part: str | None = None
    actual: Decimal | None = None
    rating: str | None = None
    done: bool | None = None
    points: Decimal | None = None
    source: str | None = None  # where it came from (a JSON path, an event id), for explanations
    budget: Decimal | None = None  # budget_execution: the unit's budget (> 0) ...
    spent: Decimal | None = None  # ... and the amount spent of it (≥ 0)
    confirmed_by: str | None = None  # who confirmed it, for explanations
    confirmed_at: str | None = None  # when (ISO 8601), for explanations


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    """One interview: its unit's round and stratum and its answers (None = skipped)."""

    id: str
    round: str
    stratum: str
    answers: tuple[str | None, ...]
    mode: str | None = None


@dataclass(frozen=True, slots=True)
class StratumStat:
    """A stratum within a round: counted responses, mean and sample SD of r, and its weight."""

    stratum: str
    n: int
    mean: Decimal
    sd: Decimal
    weight: Decimal


@dataclass(frozen=True, slots=True)
class RoundScore:
    """A round score S_r with its standard error, as the surveys service publishes it.

    `external`: the score was supplied from outside (the county office's own evaluation, with its
    `source` and `document`) and is used as given: it has no SE and no strata."""

    round: str
    score: Decimal
    se: Decimal
    strata: tuple[StratumStat, ...] = ()
    external: bool = False
    source: str | None = None
    document: str | None = None


@dataclass(frozen=True, slots=True)
class Deduction:
    """A deduction record (the latest record for its id stands)."""

    id: str
    kind: str
    points: Decimal
    date: dt.date
    revoked: bool = False
    aspect: str | None = None
    note: str | None = None
    source: str | None = None
    inspection: str | None = None  # the inspection whose finding made it, for explanations
    appeal: str | None = None  # the unit's appeal against it
    appeal_outcome: str | None = None  # open | rejected | granted
    revoke_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Revocation:
    """A revocation of an earlier deduction by id (an upheld appeal)."""

    id: str
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Veto:
    """A one-vote veto (一票否决) against a unit."""

    id: str
    category: str
    date: dt.date
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PreviousValue:
    """Last year's counted (confirmed) value of a leaf or part for a unit: `actual` against that
    year's `target` (the unit's target, else the leaf's), from the plan named `previous_plan`."""

    plan: str
    ref: str  # leaf id, or `leaf#part`
    period: str
    actual: Decimal
    target: Decimal
    source: str | None = None

    @property
    def ratio(self) -> Decimal:
        """The completion ratio actual / target."""
        return self.actual / self.target


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """Everything known about one unit, already validated against the plan.

    `results`, `responses` and `deductions` are in input (version) order, which decides
    latest-confirmed-wins, first-delivery-wins and last-record-stands. A round may be given
    either as raw `responses` or precomputed in `round_scores` (as the surveys service publishes
    it), not both; an external round score (`RoundScore.external`) wins over the round's responses.
    """

    results: tuple[Result, ...] = ()
    targets: Mapping[str, Decimal] = field(default_factory=dict)
    stratum_weights: Mapping[str, Decimal] = field(default_factory=dict)  # per-unit overrides
    responses: tuple[SurveyResponse, ...] = ()
    round_scores: Mapping[str, RoundScore] = field(default_factory=dict)
    deductions: tuple[Deduction | Revocation, ...] = ()
    vetoes: tuple[Veto, ...] = ()
    # last year's values for the progress leaves, by (leaf or `leaf#part`, period); computed from the
    # previous plan's stored confirmed results (never typed), see services/scoring/domain/progress.py
    previous: Mapping[tuple[str, str], PreviousValue] = field(default_factory=dict)

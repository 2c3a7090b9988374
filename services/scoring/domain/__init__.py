"""The scoring rules of scoring.md as pure functions over Decimals (standard library only).

Used alike by the scoring service (incrementally, per unit), the offline `jixiao score` command
and the year-end re-score:

    bundle = load_bundle(text)                       # or parse_bundle(dict)
    scores = score_bundle(bundle, "Y")               # score_unit per unit + grade_period
    doc = results_to_dict(bundle.plan, "Y", scores)  # jixiao.results/v1; dumps(doc) for JSON
"""

from .bundle import BUNDLE_FORMAT, Bundle, load_bundle, loads_json, parse_bundle, score_bundle
from .decimals import SCORING_CONTEXT, round2
from .deductions import resolve_deductions
from .errors import BundleError, PlanError, Problem, ScoringError, ValidationError
from .grading import grade_for, grade_period, rank_within_groups, score_period, score_unit
from .indicators import counted_results, indicator_component, method_fraction
from .model import (
    Band,
    Component,
    ComponentLine,
    Deduction,
    DeductionLine,
    Explanation,
    GradeBand,
    Indicator,
    LeafLine,
    Method,
    Part,
    Plan,
    Result,
    Revocation,
    RoundLine,
    RoundScore,
    StratumStat,
    SurveyPlan,
    SurveyResponse,
    SurveyRound,
    Unit,
    UnitFacts,
    UnitScore,
    Veto,
    VetoLine,
    VetoRule,
)
from .periods import PERIODS
from .plan import parse_plan
from .results import RESULTS_FORMAT, dumps, explanation_to_dict, results_to_dict, unit_to_dict
from .survey import response_score, round_score, stratum_weights, survey_component

__all__ = [
    "BUNDLE_FORMAT",
    "PERIODS",
    "RESULTS_FORMAT",
    "SCORING_CONTEXT",
    "Band",
    "Bundle",
    "BundleError",
    "Component",
    "ComponentLine",
    "Deduction",
    "DeductionLine",
    "Explanation",
    "GradeBand",
    "Indicator",
    "LeafLine",
    "Method",
    "Part",
    "Plan",
    "PlanError",
    "Problem",
    "Result",
    "Revocation",
    "RoundLine",
    "RoundScore",
    "ScoringError",
    "StratumStat",
    "SurveyPlan",
    "SurveyResponse",
    "SurveyRound",
    "Unit",
    "UnitFacts",
    "UnitScore",
    "ValidationError",
    "Veto",
    "VetoLine",
    "VetoRule",
    "counted_results",
    "dumps",
    "explanation_to_dict",
    "grade_for",
    "grade_period",
    "indicator_component",
    "load_bundle",
    "loads_json",
    "method_fraction",
    "parse_bundle",
    "parse_plan",
    "rank_within_groups",
    "resolve_deductions",
    "response_score",
    "results_to_dict",
    "round2",
    "round_score",
    "score_bundle",
    "score_period",
    "score_unit",
    "stratum_weights",
    "survey_component",
    "unit_to_dict",
]

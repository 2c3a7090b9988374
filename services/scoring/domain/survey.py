"""The survey component of a unit: its round scores S_r combined by round weight, with its SE."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from jixiao.rules.decimals import ZERO, in_scoring_context
from jixiao.rules.model import RoundScore, SurveyRound

from .model import RoundLine


@dataclass(frozen=True, slots=True)
class SurveyOutcome:
    """The survey component of one unit: score, SE and the rounds that gave it."""

    score: Decimal
    se: Decimal | None
    rounds: tuple[RoundLine, ...]


@in_scoring_context
def survey_component(rounds: Sequence[SurveyRound], scores: Mapping[str, RoundScore]) -> SurveyOutcome | None:
    """Survey score = Σ w_r S_r / Σ w_r over the rounds with a score, with
    survey_se = sqrt(Σ (w_r/Σw)² SE_r²) over the rounds measured from responses: an external round
    (a score supplied from outside, used as given) has no SE and is left out of that sum, and
    survey_se is None when every scored round is external. None (missing) when no round has a score."""
    used = [(rnd, scores[rnd.id]) for rnd in rounds if rnd.id in scores]
    if not used:
        return None
    total_weight = sum((rnd.weight for rnd, _ in used), ZERO)
    score = sum((rnd.weight * rs.score for rnd, rs in used), ZERO) / total_weight
    se_squared = ZERO
    for rnd, rs in used:
        if rs.external:
            continue
        share = rnd.weight / total_weight
        se_squared += share * share * rs.se * rs.se
    measured = any(not rs.external for _, rs in used)
    lines = tuple(
        RoundLine(rnd.id, rnd.weight, rs.score, None, (), True, rs.source, rs.document)
        if rs.external
        else RoundLine(rnd.id, rnd.weight, rs.score, rs.se, rs.strata)
        for rnd, rs in used
    )
    return SurveyOutcome(score, se_squared.sqrt() if measured else None, lines)

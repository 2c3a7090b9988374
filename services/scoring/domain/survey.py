"""The survey component: response scores, stratum means, round scores S_r and their SE.

`round_score` is public: the surveys service publishes exactly these numbers per unit and round.
Sums run over sorted values so that the result never depends on the order responses arrive in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .decimals import ZERO, in_scoring_context
from .errors import ScoringError
from .model import NO_ANSWER, RoundLine, RoundScore, StratumStat, SurveyPlan, SurveyResponse, SurveyRound


def stratum_weights(survey: SurveyPlan, overrides: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """A unit's stratum weights W_h: its per-unit overrides over the plan's defaults."""
    return {**survey.strata, **overrides}


@in_scoring_context
def response_score(answers: Iterable[str | None], answer_scores: Mapping[str, Decimal]) -> Decimal | None:
    """r = mean of the scored answers (null and "no_answer" skipped); None when none is scored."""
    return _response_score(answers, answer_scores)


def _response_score(answers: Iterable[str | None], answer_scores: Mapping[str, Decimal]) -> Decimal | None:
    total = ZERO
    count = 0
    for answer in answers:
        if answer is None or answer == NO_ANSWER:
            continue
        try:
            total += answer_scores[answer]
        except KeyError:
            raise ScoringError(f"unknown answer {answer!r}") from None
        count += 1
    return total / count if count else None


def unique_responses(responses: Iterable[SurveyResponse]) -> list[SurveyResponse]:
    """Each response id once: the first delivery counts."""
    seen: set[str] = set()
    out = []
    for response in responses:
        if response.id not in seen:
            seen.add(response.id)
            out.append(response)
    return out


@in_scoring_context
def round_score(
    round_id: str,
    responses: Iterable[SurveyResponse],
    weights: Mapping[str, Decimal],
    answer_scores: Mapping[str, Decimal],
) -> RoundScore | None:
    """S_r and SE_r of one unit in one round from its raw responses; None with no counted response.

    `responses` may hold other rounds (ignored) and repeated deliveries (the first counts);
    `weights` are the unit's W_h (see `stratum_weights`).
    S_r = Σ_h W_h m_h / Σ_h W_h and SE_r = sqrt(Σ_h (W_h/ΣW)² s_h² / n_h) over the strata with a
    counted response; s_h is the sample standard deviation of r (0 when n_h = 1).
    """
    in_round = [r for r in unique_responses(responses) if r.round == round_id]
    return round_score_of_unique(round_id, in_round, weights, answer_scores)


@in_scoring_context
def round_score_of_unique(
    round_id: str,
    responses: Iterable[SurveyResponse],
    weights: Mapping[str, Decimal],
    answer_scores: Mapping[str, Decimal],
) -> RoundScore | None:
    """`round_score` for responses already reduced to one delivery per id, all of `round_id`."""
    by_stratum: dict[str, list[Decimal]] = {}
    for response in responses:
        r = _response_score(response.answers, answer_scores)
        if r is None:
            continue
        values = by_stratum.get(response.stratum)
        if values is None:
            if response.stratum not in weights:
                raise ScoringError(f"response {response.id}: stratum {response.stratum!r} has no weight")
            values = by_stratum[response.stratum] = []
        values.append(r)
    if not by_stratum:
        return None
    stats: list[tuple[StratumStat, Decimal]] = []
    for stratum in sorted(by_stratum):
        values = sorted(by_stratum[stratum])
        n = len(values)
        mean = sum(values, ZERO) / n
        variance = sum(((v - mean) * (v - mean) for v in values), ZERO) / (n - 1) if n > 1 else ZERO
        stats.append((StratumStat(stratum, n, mean, variance.sqrt(), weights[stratum]), variance))
    total_weight = sum((s.weight for s, _ in stats), ZERO)
    score = sum((s.weight * s.mean for s, _ in stats), ZERO) / total_weight
    se_squared = ZERO
    for s, variance in stats:
        share = s.weight / total_weight
        se_squared += share * share * variance / s.n
    return RoundScore(round_id, score, se_squared.sqrt(), tuple(s for s, _ in stats))


@dataclass(frozen=True, slots=True)
class SurveyOutcome:
    """The survey component of one unit: score, SE and the rounds that gave it."""

    score: Decimal
    se: Decimal
    rounds: tuple[RoundLine, ...]


@in_scoring_context
def survey_component(rounds: Sequence[SurveyRound], scores: Mapping[str, RoundScore]) -> SurveyOutcome | None:
    """Survey score = Σ w_r S_r / Σ w_r over the rounds with a score, with
    survey_se = sqrt(Σ (w_r/Σw)² SE_r²); None (missing) when no round has a score."""
    used = [(rnd, scores[rnd.id]) for rnd in rounds if rnd.id in scores]
    if not used:
        return None
    total_weight = sum((rnd.weight for rnd, _ in used), ZERO)
    score = sum((rnd.weight * rs.score for rnd, rs in used), ZERO) / total_weight
    se_squared = ZERO
    for rnd, rs in used:
        share = rnd.weight / total_weight
        se_squared += share * share * rs.se * rs.se
    lines = tuple(RoundLine(rnd.id, rnd.weight, rs.score, rs.se, rs.strata) for rnd, rs in used)
    return SurveyOutcome(score, se_squared.sqrt(), lines)

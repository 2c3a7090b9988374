"""Survey scoring shared by the surveys and scoring services: response scores r, stratum means and
round scores S_r with their SE (scoring.md, "Survey component").

The surveys service publishes exactly these numbers per unit and round; scoring recomputes them
from raw responses offline. Sums run over sorted values so that the result never depends on the
order responses arrive in.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping
from decimal import Decimal

from .decimals import ZERO, in_scoring_context
from .errors import ScoringError
from .fields import Problems, Reader, describe
from .model import NO_ANSWER, RoundScore, StratumStat, SurveyPlan, SurveyResponse


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
    return combine_strata(round_id, stats)


def combine_strata(round_id: str, stats: list[tuple[StratumStat, Decimal]]) -> RoundScore:
    """S_r = Σ_h W_h m_h / Σ_h W_h and SE_r = sqrt(Σ_h (W_h/ΣW)² s_h² / n_h) from each stratum's
    statistics and its variance s_h² (non-empty, in stratum order; call inside the scoring context)."""
    total_weight = sum((s.weight for s, _ in stats), ZERO)
    score = sum((s.weight * s.mean for s, _ in stats), ZERO) / total_weight
    se_squared = ZERO
    for s, variance in stats:
        share = s.weight / total_weight
        se_squared += share * share * variance / s.n
    return RoundScore(round_id, score, se_squared.sqrt(), tuple(s for s, _ in stats))


MODES = frozenset({"phone", "face"})
RESPONSE_ID_MAX = 100  # the surveys service's column; the bundle holds it to the same


def check_response(
    item: object,
    path: str,
    problems: Problems,
    *,
    units: Container[str],
    rounds: Container[str],
    weights_for: Callable[[str], Mapping[str, Decimal]],
    answer_scores: Mapping[str, Decimal],
    mode_required: bool = True,
) -> tuple[str, str, str, str, str, tuple] | None:
    """Check one survey response against the plan (scoring.md, "Rejected input"), every problem with its
    path; `(id, unit, round, stratum, mode, answers)` when it is valid, else None.

    `weights_for(unit)` gives the unit's stratum weights (per-unit overrides over plan defaults): a
    stratum without a weight is refused. `mode` may be left out where the caller allows it ("").
    """
    r = Reader(item, path, problems, "a survey response object")
    rid = r.str("id", max_len=RESPONSE_ID_MAX)
    unit = r.str("unit")
    if unit is not None and unit not in units:
        r.fail("unit", f"unknown unit {unit!r}")
        unit = None
    rnd = r.str("round")
    if rnd is not None and rnd not in rounds:
        r.fail("round", f"unknown survey round {rnd!r}")
    stratum = r.str("stratum")
    if stratum is not None and unit is not None and stratum not in weights_for(unit):
        r.fail(
            "stratum",
            f"unknown stratum {stratum!r} for unit {unit!r}: it has no weight (no per-unit weight and no plan default)",
        )
    mode = r.str("mode", required=mode_required)
    if mode is not None and mode not in MODES:
        r.fail("mode", f"must be one of {', '.join(sorted(MODES))}, not {describe(mode)}")
    answers = r.list("answers") or []
    for j, answer in enumerate(answers):
        if answer is not None and (
            not isinstance(answer, str) or (answer != NO_ANSWER and answer not in answer_scores)
        ):
            r.fail(f"answers[{j}]", f"unknown answer {describe(answer)}")
    if not r.ok:
        return None
    return rid, unit, rnd, stratum, mode or "", tuple(answers)


EXTERNAL_TEXT_MAX = 500  # source, document and note of an external survey score
HUNDRED = Decimal(100)


def check_external_score(
    item: object, path: str, problems: Problems, *, units: Container[str], rounds: Container[str]
) -> RoundScore | None:
    """Check one external survey score (the county office's own evaluation of a unit in a round):
    `unit`, `round`, `score` within [0, 100] (an exact decimal), `source` and `document` (non-empty
    text), optional `note`. The RoundScore (external, no SE, no strata) when valid, else None."""
    r = Reader(item, path, problems, "an external survey score object")
    unit = r.str("unit")
    if unit is not None and unit not in units:
        r.fail("unit", f"unknown unit {unit!r}")
    rnd = r.str("round")
    if rnd is not None and rnd not in rounds:
        r.fail("round", f"unknown survey round {rnd!r}")
    score = r.decimal("score", low=ZERO, high=HUNDRED)
    source = r.str("source", max_len=EXTERNAL_TEXT_MAX, strip=True)
    document = r.str("document", max_len=EXTERNAL_TEXT_MAX, strip=True)
    r.text("note", max_len=EXTERNAL_TEXT_MAX)
    if not r.ok:
        return None
    return RoundScore(rnd, score, ZERO, (), external=True, source=source, document=document)

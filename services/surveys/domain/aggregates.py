"""Round scores from running aggregates of the stored responses, equal to the from-scratch computation.

`jixiao.rules.survey.round_score` (scoring.md) computes a round score from raw
responses: r per response, then per stratum the sum of the *sorted* r values, each addition
rounded to the scoring context's 28 digits, the mean, and the sum of (r - mean)² the same way.
A count, a sum and a sum of squares cannot replay those roundings (r = 200/3 already has 28
digits, so Σr rounds at every step), and an exact-rational sum would give a *different* last digit
than the rules. So the running aggregate of a (unit, round, stratum) is its distribution: for each
distinct r, as its exact decimal text, how many responses scored it (`UNSCORED` counts responses
without a scored answer: they count in `responses` but not in the score). n, Σr and Σr² follow
from it, and so does the rules' arithmetic: `round_score_from_counts` replays the same additions
in the same order, a run of equal values in a few steps per power of ten (`repeat_add`) instead of
one per response, so the result is the same Decimal, digit for digit, at a cost that no longer
grows with the number of stored responses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, getcontext, localcontext

from jixiao.rules.decimals import SCORING_CONTEXT, ZERO, in_scoring_context
from jixiao.rules.errors import ScoringError
from jixiao.rules.model import RoundScore, StratumStat
from jixiao.rules.survey import combine_strata, response_score

UNSCORED = ""  # the key of responses with no scored answer

Counts = Mapping[str, int]  # r as exact decimal text (or UNSCORED) -> number of responses


def score_key(answers: Iterable[str | None], answer_scores: Mapping[str, Decimal]) -> str:
    """The aggregate key of one response: its score r (the rules' own function) as text, or UNSCORED."""
    r = response_score(answers, answer_scores)
    return UNSCORED if r is None else str(r)


def score_keys(
    answer_lists: Iterable[tuple[str | None, ...]],
    answer_scores: Mapping[str, Decimal],
    cache: dict[tuple[str | None, ...], str] | None = None,
) -> list[str]:
    """`score_key` of many responses in one decimal context; an answer pattern is scored once per cache."""
    cache = {} if cache is None else cache
    rule = response_score.__wrapped__  # the same rule, without entering the context once per response
    out = []
    with localcontext(SCORING_CONTEXT):
        for answers in answer_lists:
            key = cache.get(answers)
            if key is None:
                r = rule(answers, answer_scores)
                key = cache[answers] = UNSCORED if r is None else str(r)
            out.append(key)
    return out


def responses_in(counts: Counts) -> int:
    """Every response of a stratum, scored or not."""
    return sum(counts.values())


_SHORT_RUN = 24  # below this many equal values the plain loop is cheaper than the bookkeeping


def _coefficient(x: Decimal) -> tuple[int, int]:
    _, digits, exponent = x.as_tuple()
    return int("".join(map(str, digits))), int(exponent)


def repeat_add(acc: Decimal, value: Decimal, count: int) -> Decimal:
    """`for _ in range(count): acc = acc + value` in the current decimal context, in O(decades) steps.

    While the sums fit the precision they are exact, so k steps are one multiplication. Once the
    sum has all `prec` digits, each addition rounds `value` to the sum's last place, which is the
    same increment until the sum reaches the next power of ten; the step that crosses it is done
    as the loop would. Anything unusual (negative numbers, other rounding modes) takes the loop.
    """
    ctx = getcontext()
    prec, rounding = ctx.prec, ctx.rounding
    if count < _SHORT_RUN or rounding not in (ROUND_HALF_EVEN, ROUND_HALF_UP) or acc.is_signed() or value.is_signed():
        for _ in range(count):
            acc = acc + value
        return acc
    limit = 10**prec - 1
    full = 10 ** (prec - 1)
    v_coef, v_exp = _coefficient(value)
    while count > 0:
        a_coef, a_exp = _coefficient(acc)
        exp = min(a_exp, v_exp)
        a_at, v_at = a_coef * 10 ** (a_exp - exp), v_coef * 10 ** (v_exp - exp)
        if a_at + v_at <= limit:
            # exact: every partial sum up to a_at + k·v_at fits at exponent `exp`
            steps = count if v_at == 0 else min(count, (limit - a_at) // v_at)
            acc = Decimal(f"{a_at + steps * v_at}E{exp}")
            count -= steps
            continue
        if full <= a_coef <= limit and v_exp < a_exp:
            # the sum has all its digits: each step adds `value` rounded to the sum's last place
            unit = 10 ** (a_exp - v_exp)
            q, rem = divmod(v_coef, unit)
            half = unit // 2
            tie = rem == half
            if rem > half or (tie and rounding == ROUND_HALF_UP):
                step = q + 1
            elif not tie:
                step = q
            else:  # half-even: the sum always lands on an even last digit, so from an even one
                step = q if q % 2 == 0 else q + 1  # the (even) step is the same every time
            odd_tie = tie and rounding == ROUND_HALF_EVEN and a_coef % 2 == 1
            if not odd_tie:  # (from an odd last digit, one step as the loop does it makes it even)
                if step == 0:
                    return acc  # `value` rounds to nothing at the sum's last place: nothing changes
                steps = min(count, (limit - a_coef) // step)
                if steps > 0:
                    acc = Decimal(f"{a_coef + steps * step}E{a_exp}")
                    count -= steps
                    continue
        # the step that crosses a power of ten (or an odd tie): exactly as the loop does it
        acc = acc + value
        count -= 1
    return acc


@in_scoring_context
def round_score_from_counts(
    round_id: str, strata: Mapping[str, Counts], weights: Mapping[str, Decimal]
) -> RoundScore | None:
    """S_r and SE_r of one unit in one round from its aggregates; None with no counted response.

    Equal, digit for digit, to `round_score` over the responses the aggregates were built from
    (tested on random data); raises ScoringError like it when a stratum with a counted response
    has no weight.
    """
    stats: list[tuple[StratumStat, Decimal]] = []
    for stratum in sorted(strata):
        values = sorted(
            ((Decimal(key), n) for key, n in strata[stratum].items() if key != UNSCORED and n > 0),
            key=lambda vn: (vn[0], str(vn[0])),
        )
        if not values:
            continue
        if stratum not in weights:
            raise ScoringError(f"stratum {stratum!r} has counted responses but no weight")
        n = sum(c for _, c in values)
        total = ZERO
        for v, c in values:
            total = repeat_add(total, v, c)
        mean = total / n
        variance = ZERO
        if n > 1:
            squares = ZERO
            for v, c in values:
                squares = repeat_add(squares, (v - mean) * (v - mean), c)
            variance = squares / (n - 1)
        stats.append((StratumStat(stratum, n, mean, variance.sqrt(), weights[stratum]), variance))
    if not stats:
        return None
    return combine_strata(round_id, stats)

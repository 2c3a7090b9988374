"""Round scores from the running aggregates equal the scoring rules' from-scratch computation, digit for digit."""

from __future__ import annotations

import random
from collections import Counter
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jixiao.rules.errors import ScoringError
from jixiao.rules.model import SurveyResponse
from jixiao.rules.survey import round_score
from services.surveys.domain.aggregates import (
    UNSCORED,
    repeat_add,
    round_score_from_counts,
    score_key,
    score_keys,
)

pytestmark = pytest.mark.unit
D = Decimal

# answer scores as plans write them: integers, tenths, trailing zeros, and values whose means repeat
SCORE_POOL = [D(100), D(80), D(0), D("66.5"), D("80.0"), D("33.33"), D("100.00"), D(60), D("12.345"), D(7)]
STRATA = ["npc_deputy", "business", "urban_resident", "rural_resident"]


def published(rs) -> object:
    """What the service publishes of a round score: every number as its exact text."""
    if rs is None:
        return None
    return (str(rs.score), str(rs.se), [(s.stratum, s.n, str(s.mean), str(s.sd), str(s.weight)) for s in rs.strata])


def aggregate(responses: list[SurveyResponse], answer_scores) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for r in responses:
        counts.setdefault(r.stratum, Counter())[score_key(r.answers, answer_scores)] += 1
    return counts


@st.composite
def survey_round(draw, max_responses: int = 120):
    codes = draw(st.lists(st.sampled_from(SCORE_POOL), min_size=1, max_size=5))
    answer_scores = {f"a{i}": v for i, v in enumerate(codes)}
    answers = st.lists(st.sampled_from([*answer_scores, None, "no_answer"]), min_size=0, max_size=8)
    strata = draw(st.lists(st.sampled_from(STRATA), min_size=1, max_size=4, unique=True))
    weights = {h: draw(st.sampled_from([D(1), D("0.1"), D("0.25"), D("0.3"), D(3), D("0.333")])) for h in strata}
    rows = draw(st.lists(st.tuples(st.sampled_from(strata), answers), min_size=0, max_size=max_responses))
    responses = [SurveyResponse(f"r{i}", "mid", h, tuple(a)) for i, (h, a) in enumerate(rows)]
    return answer_scores, weights, responses


@settings(max_examples=300, deadline=None)
@given(survey_round(), st.randoms(use_true_random=False), st.integers(min_value=1, max_value=5))
def test_aggregates_give_the_from_scratch_round_score(case, rng, batches):
    answer_scores, weights, responses = case
    expected = round_score("mid", responses, weights, answer_scores)
    # the aggregates are added batch by batch, in any order of arrival
    arrived = list(responses)
    rng.shuffle(arrived)
    counts: dict[str, Counter] = {}
    for i in range(batches):
        for stratum, c in aggregate(arrived[i::batches], answer_scores).items():
            counts.setdefault(stratum, Counter()).update(c)
    assert published(round_score_from_counts("mid", counts, weights)) == published(expected)
    assert sum(sum(c.values()) for c in counts.values()) == len(responses)


def test_many_equal_scores_take_the_long_runs_exactly():
    # three answers of which two score: r = 200/3, 100/3 ... long runs of equal, repeating values
    answer_scores = {"yes": D(100), "half": D(50), "no": D(0), "odd": D("12.345")}
    patterns = [
        ("yes", "yes", "no"),
        ("yes", "half", "no"),
        ("half",),
        ("yes",),
        ("odd", "yes", "half"),
        (None, "no_answer"),
        ("no", "no", "no"),
    ]
    rng = random.Random(11)
    responses = [SurveyResponse(f"r{i}", "mid", rng.choice(["a", "b"]), rng.choice(patterns)) for i in range(12_000)]
    weights = {"a": D("0.4"), "b": D("0.6")}
    counts = aggregate(responses, answer_scores)
    assert max(n for c in counts.values() for n in c.values()) > 1000
    assert published(round_score_from_counts("mid", counts, weights)) == published(
        round_score("mid", responses, weights, answer_scores)
    )


def test_no_counted_response_gives_no_score_and_an_unweighted_stratum_is_refused():
    assert round_score_from_counts("mid", {"a": {UNSCORED: 3}}, {"a": D(1)}) is None
    assert round_score_from_counts("mid", {}, {"a": D(1)}) is None
    with pytest.raises(ScoringError, match="no weight"):
        round_score_from_counts("mid", {"z": {"80": 2}}, {"a": D(1)})
    # a stratum whose responses are all unscored needs no weight (as in the rules)
    assert published(round_score_from_counts("mid", {"z": {UNSCORED: 2}, "a": {"80": 1}}, {"a": D(1)}))[0] == "80"


def test_score_keys_are_the_rules_response_scores():
    scores = {"yes": D(100), "half": D("50.0"), "no": D(0)}
    answers = [("yes", "half", "no"), ("yes",), (None, "no_answer"), (), ("half", "half"), ("yes", "half", "no")]
    cache: dict = {}
    keys = score_keys(answers, scores, cache)
    assert keys == [score_key(a, scores) for a in answers] == ["50.0", "100", UNSCORED, UNSCORED, "50.0", "50.0"]
    assert len(cache) == 5


@settings(max_examples=400, deadline=None)
@given(
    acc=st.decimals(min_value=0, max_value=D("1e8"), allow_nan=False, places=None),
    value=st.decimals(min_value=0, max_value=D("1e4"), allow_nan=False, places=None),
    count=st.integers(min_value=0, max_value=3000),
    prec=st.sampled_from([4, 7, 28]),
    rounding=st.sampled_from([ROUND_HALF_EVEN, ROUND_HALF_UP]),
)
@example(acc=D("1234567890123456789012345678"), value=D("2.5"), count=500, prec=28, rounding=ROUND_HALF_EVEN)
@example(acc=D("1234567890123456789012345679"), value=D("3.5"), count=500, prec=28, rounding=ROUND_HALF_EVEN)
@example(acc=D("1001"), value=D("0.5"), count=2000, prec=4, rounding=ROUND_HALF_EVEN)
@example(acc=D("9999"), value=D("0.0001"), count=100, prec=4, rounding=ROUND_HALF_EVEN)
@example(acc=D(0), value=D(200) / 3, count=3000, prec=28, rounding=ROUND_HALF_EVEN)
def test_repeat_add_is_the_loop(acc, value, count, prec, rounding):
    with localcontext(Context(prec=prec, rounding=rounding)):
        expected = acc
        for _ in range(count):
            expected = expected + value
        assert str(repeat_add(acc, value, count)) == str(expected)

"""Reproducible stratified draws: counts, seeds, row order, uniformity, replacements."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter

import pytest

from services.surveys.domain.errors import SamplingError
from services.surveys.domain.sampling import (
    SAMPLING_ALGORITHM,
    FrameKey,
    draw_order,
    draw_sample,
    frame_sha256,
    stratum_seed,
)

pytestmark = pytest.mark.unit

FRAME_4000 = {"rural_resident": 1234, "urban_resident": 1011, "business": 987, "npc_deputy": 768}
# 600·N_h/4000 = 185.1, 151.65, 148.05, 115.2 -> 185, 152 (largest remainder), 148, 115
EXPECTED_4000 = {"business": 148, "npc_deputy": 115, "rural_resident": 185, "urban_resident": 152}


def per_stratum(sample) -> dict[str, int]:
    return dict(sorted(Counter(k.stratum for k in sample.respondents()).items()))


def test_600_of_4000_has_exactly_the_largest_remainder_counts(make_keys) -> None:
    keys = make_keys(FRAME_4000)
    assert len(keys) == 4000
    sample = draw_sample(keys, 600, seed=2026)
    assert per_stratum(sample) == EXPECTED_4000
    assert sample.allocated() == EXPECTED_4000
    assert len(set(sample.respondents())) == 600
    assert set(sample.respondents()) <= set(keys)  # every draw is a member of its own stratum


def test_600_of_4000_with_a_tie_in_remainders(make_keys) -> None:
    sizes = {"urban_resident": 1050, "business": 1050, "rural_resident": 1100, "npc_deputy": 800}
    # 157.5, 157.5, 165, 120: the tie between business and urban_resident goes to business
    sample = draw_sample(make_keys(sizes), 600, seed=1)
    assert per_stratum(sample) == {
        "business": 158,
        "npc_deputy": 120,
        "rural_resident": 165,
        "urban_resident": 157,
    }


def test_same_seed_same_sample_other_seed_other_sample(make_keys) -> None:
    keys = make_keys(FRAME_4000)
    a = draw_sample(keys, 600, seed=42)
    b = draw_sample(keys, 600, seed=42)
    c = draw_sample(keys, 600, seed=43)
    assert a.respondents() == b.respondents()
    assert a == b
    assert set(a.respondents()) != set(c.respondents())
    for h in FRAME_4000:  # each stratum's draw changes, not just one of them
        assert set(a.strata[h].sampled) != set(c.strata[h].sampled)
    assert per_stratum(c) == EXPECTED_4000


def test_row_order_of_the_frame_does_not_change_the_sample(make_keys) -> None:
    keys = make_keys(FRAME_4000)
    shuffled = list(keys)
    random.Random(99).shuffle(shuffled)
    assert shuffled != keys
    a, b = draw_sample(keys, 600, seed=7), draw_sample(shuffled, 600, seed=7)
    assert a.frame_sha256 == b.frame_sha256
    assert a.respondents() == b.respondents()
    assert {h: d.order for h, d in a.strata.items()} == {h: d.order for h, d in b.strata.items()}


def test_frame_hash_is_sha256_of_the_sorted_canonical_pairs() -> None:
    keys = [FrameKey("b2", "business"), FrameKey("a1", "农村"), FrameKey("a10", "npc_deputy")]
    canonical = '[["a1","农村"],["a10","npc_deputy"],["b2","business"]]'
    assert frame_sha256(keys) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert frame_sha256(reversed(keys)) == frame_sha256(keys)
    assert frame_sha256(keys[:2]) != frame_sha256(keys)
    moved = [FrameKey("b2", "urban_resident"), *keys[1:]]
    assert frame_sha256(moved) != frame_sha256(keys)  # a change of stratum changes the hash


def test_stratum_seed_is_sha256_of_seed_frame_hash_and_stratum() -> None:
    digest = hashlib.sha256(json.dumps([5, "abc", "business"]).replace(" ", "").encode()).digest()
    assert stratum_seed(5, "abc", "business") == int.from_bytes(digest, "big")
    assert stratum_seed(5, "abc", "business") != stratum_seed(5, "abc", "npc_deputy")


def test_golden_draw_pins_algorithm_v1() -> None:
    # If this changes, samples stored with `jixiao.surveys.sample/v1` can no longer be re-drawn.
    keys = [FrameKey(f"r{i:02d}", "business" if i < 6 else "npc_deputy") for i in range(10)]
    sample = draw_sample(keys, 4, 20260701, reserve_rate=1)
    assert sample.algorithm == SAMPLING_ALGORITHM == "jixiao.surveys.sample/v1"
    assert sample.frame_sha256 == ("5199bf0e06bebee4b4bd404a0be7ae698add852be8f27ed39e2efb482543dc10")
    assert sample.strata["business"].order == ("r02", "r00", "r05", "r03", "r04", "r01")
    assert sample.strata["npc_deputy"].order == ("r06", "r08", "r09", "r07")
    assert sample.strata["business"].sampled == ("r02", "r00")
    assert sample.reserve("business") == ("r05", "r03")


def _chi_square(counts: Counter, members: list[str], expected: float) -> float:
    return sum((counts[m] - expected) ** 2 / expected for m in members)


def test_inclusion_inside_a_stratum_is_uniform_over_2000_seeds(make_keys) -> None:
    # business: 10 members, npc_deputy: 7; n=6 -> quotas 3.53, 2.47 -> 4 and 2
    keys = make_keys({"business": 10, "npc_deputy": 7})
    seeds = range(2000)
    included: dict[str, Counter] = {"business": Counter(), "npc_deputy": Counter()}
    first: dict[str, Counter] = {"business": Counter(), "npc_deputy": Counter()}
    for seed in seeds:
        sample = draw_sample(keys, 6, seed)
        for h, draw in sample.strata.items():
            included[h].update(draw.sampled)
            first[h][draw.sampled[0]] += 1
    members = {h: [k.respondent_id for k in keys if k.stratum == h] for h in included}
    # Critical values of chi-square at alpha = 0.001: df=9 -> 27.877, df=6 -> 22.458.
    # Seeds are fixed, so the outcome is deterministic; the statistic is conservative here
    # (inclusion counts of a draw without replacement vary less than multinomial counts).
    critical = {"business": 27.877, "npc_deputy": 22.458}
    allocated = {"business": 4, "npc_deputy": 2}
    for h in included:
        n_members = len(members[h])
        assert sum(included[h].values()) == len(seeds) * allocated[h]
        stat = _chi_square(included[h], members[h], len(seeds) * allocated[h] / n_members)
        assert stat < critical[h], (h, stat, included[h])
        # the first draw is uniform too (an order effect would show up here)
        stat_first = _chi_square(first[h], members[h], len(seeds) / n_members)
        assert stat_first < critical[h], (h, stat_first, first[h])


def test_draw_order_is_a_permutation_and_ignores_input_order() -> None:
    members = [f"p{i}" for i in range(50)]
    order = draw_order(members, 123)
    assert sorted(order) == sorted(members)
    assert draw_order(reversed(members), 123) == order
    assert draw_order(members, 124) != order
    assert draw_order([], 1) == ()
    assert draw_order(["only"], 1) == ("only",)


def test_replacements_stay_in_stratum_never_repeat_and_are_reproducible(make_keys) -> None:
    keys = make_keys({"business": 30, "npc_deputy": 12})
    sample = draw_sample(keys, 20, seed=5)
    again = draw_sample(list(reversed(keys)), 20, seed=5)
    for h, draw in sample.strata.items():
        stratum_ids = {k.respondent_id for k in keys if k.stratum == h}
        replacements = []
        d = 1
        while (rid := sample.replacement(h, d)) is not None:
            assert rid == again.replacement(h, d)  # depends only on seed, frame, stratum, d
            replacements.append(rid)
            d += 1
        assert len(replacements) == len(set(replacements)) == draw.population - draw.allocated
        assert set(replacements) <= stratum_ids
        assert not set(replacements) & set(draw.sampled)
        assert set(replacements) | set(draw.sampled) == stratum_ids
    with pytest.raises(SamplingError, match="positive integer"):
        sample.replacement("business", 0)
    with pytest.raises(SamplingError, match="not in the sample"):
        sample.replacement("urban_resident", 1)


def test_reserve_list_is_the_first_replacements_capped_by_the_stratum(make_keys) -> None:
    keys = make_keys({"business": 100, "npc_deputy": 11})
    sample = draw_sample(keys, 50, seed=3, reserve_rate="0.2")
    assert sample.allocated() == {"business": 45, "npc_deputy": 5}
    first_nine = tuple(sample.replacement("business", d) for d in range(1, 10))
    assert sample.reserve("business") == first_nine
    assert len(sample.reserve("npc_deputy")) == 1  # ceil(5·0.2) = 1
    capped = draw_sample(keys, 50, seed=3, reserve_rate=2)
    assert len(capped.reserve("npc_deputy")) == 6  # only 11 - 5 left
    assert draw_sample(keys, 50, seed=3).reserve("business") == ()


def test_the_sample_stores_what_is_needed_to_redraw_it(make_keys) -> None:
    keys = make_keys(FRAME_4000)
    sample = draw_sample(keys, 600, seed=11, allocation="neyman", sds={h: 1 for h in FRAME_4000})
    assert (sample.seed, sample.size, sample.allocation) == (11, 600, "neyman")
    assert sample.frame_sha256 == frame_sha256(keys)
    assert sample.sds == {h: 1 for h in sorted(FRAME_4000)}
    redrawn = draw_sample(keys, sample.size, sample.seed, allocation=sample.allocation, sds=sample.sds)
    assert redrawn.respondents() == sample.respondents()
    # equal standard deviations make Neyman equal to proportional
    assert sample.allocated() == EXPECTED_4000


def test_deviations_of_strata_missing_from_the_frame_are_ignored(make_keys) -> None:
    keys = make_keys({"business": 100, "urban_resident": 300})
    sds = {"business": 3, "urban_resident": 1, "npc_deputy": 9}  # no npc_deputy in this unit
    sample = draw_sample(keys, 60, seed=1, allocation="neyman", sds=sds)
    assert sample.allocated() == {"business": 30, "urban_resident": 30}
    assert sample.sds == {"business": 3, "urban_resident": 1}
    with pytest.raises(SamplingError, match="missing standard deviation for stratum 'business'"):
        draw_sample(keys, 60, seed=1, allocation="neyman", sds={"busines": 3, "urban_resident": 1})


@pytest.mark.parametrize(
    ("frame", "size", "seed", "message"),
    [
        ([], 1, 1, "frame is empty"),
        ([("a", "x"), ("a", "y")], 1, 1, "duplicate respondent_id 'a'"),
        ([("a", "x")], 2, 1, "exceeds"),
        ([("a", "x")], 1, "1", "seed must be an integer"),
        ([("a", "x")], 1.0, 1, "sample size must be an integer"),
    ],
)
def test_bad_draw_requests_are_refused(frame, size, seed, message) -> None:
    with pytest.raises(SamplingError, match=message):
        draw_sample(frame, size, seed)

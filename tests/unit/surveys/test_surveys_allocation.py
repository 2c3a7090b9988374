"""Allocation of a total sample size to strata: Hamilton, Neyman, capping."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.surveys.domain.errors import SamplingError
from services.surveys.domain.sampling import allocate, largest_remainder

pytestmark = pytest.mark.unit


def test_proportional_600_of_4000_by_largest_remainder() -> None:
    sizes = {"rural_resident": 1234, "urban_resident": 1011, "business": 987, "npc_deputy": 768}
    # quotas 600·N_h/4000: 185.1, 151.65, 148.05, 115.2 -> floors 185+151+148+115 = 599;
    # the one seat left goes to the largest remainder, .65 (urban_resident)
    assert allocate(600, sizes) == {
        "business": 148,
        "npc_deputy": 115,
        "rural_resident": 185,
        "urban_resident": 152,
    }


def test_tied_remainders_go_to_the_stratum_name_first_in_order() -> None:
    # listed in reverse name order on purpose: input order must not matter
    sizes = {"urban_resident": 1050, "rural_resident": 1100, "npc_deputy": 800, "business": 1050}
    # quotas 157.5, 165, 120, 157.5 -> floors sum to 599; business and urban_resident tie at .5
    assert allocate(600, sizes) == {
        "business": 158,
        "npc_deputy": 120,
        "rural_resident": 165,
        "urban_resident": 157,
    }


def test_largest_remainder_ties_with_several_seats() -> None:
    assert largest_remainder(2, {"c": 1, "b": 1, "a": 1}) == {"a": 1, "b": 1, "c": 0}
    # 5 seats over 3/3/4: quotas 1.5, 1.5, 2 -> x and y tie for the last seat, x wins
    assert largest_remainder(5, {"y": 3, "x": 3, "z": 4}) == {"x": 2, "y": 1, "z": 2}


def test_largest_remainder_exact_quotas_need_no_rounding() -> None:
    assert largest_remainder(10, {"a": Fraction(1, 2), "b": Fraction(1, 2)}) == {"a": 5, "b": 5}
    assert largest_remainder(0, {"a": 1, "b": 3}) == {"a": 0, "b": 0}


def test_neyman_allocation_hand_checked() -> None:
    sizes = {"business": 1000, "npc_deputy": 2000, "rural_resident": 1000}
    sds = {"business": Decimal(10), "npc_deputy": Decimal(5), "rural_resident": Decimal(20)}
    # N_h·S_h = 10000, 10000, 20000 (sum 40000)
    # n=100: exactly 25, 25, 50
    assert allocate(100, sizes, "neyman", sds) == {
        "business": 25,
        "npc_deputy": 25,
        "rural_resident": 50,
    }
    # n=101: 25.25, 25.25, 50.5 -> floors 100, the seat goes to rural_resident (.5)
    assert allocate(101, sizes, "neyman", sds) == {
        "business": 25,
        "npc_deputy": 25,
        "rural_resident": 51,
    }
    # n=102: 25.5, 25.5, 51 -> floors 101, business and npc_deputy tie; business by name
    assert allocate(102, sizes, "neyman", sds) == {
        "business": 26,
        "npc_deputy": 25,
        "rural_resident": 51,
    }


def test_neyman_accepts_decimal_strings_and_ints() -> None:
    sizes = {"a": 100, "b": 100}
    assert allocate(10, sizes, "neyman", {"a": "1.5", "b": 1}) == {"a": 6, "b": 4}


def test_neyman_over_allocation_is_capped_and_the_excess_redistributed() -> None:
    sizes = {"npc_deputy": 50, "business": 2000, "urban_resident": 2000}
    sds = {"npc_deputy": 100, "business": 1, "urban_resident": 1}
    # N·S = 5000, 2000, 2000: npc_deputy's quota 300·5000/9000 = 166.7 > 50 -> census of 50,
    # the remaining 250 split over business and urban_resident by N·S: 125 each
    assert allocate(300, sizes, "neyman", sds) == {
        "business": 125,
        "npc_deputy": 50,
        "urban_resident": 125,
    }


def test_capping_repeats_until_no_quota_exceeds_its_stratum() -> None:
    sizes = {"a": 10, "b": 40, "c": 1000}
    sds = {"a": 100, "b": 10, "c": 1}
    # N·S = 1000, 400, 1000 (2400). Pass 1: a = 83.3 > 10 -> a = 10, 190 left.
    # Pass 2: b = 190·400/1400 = 54.3 > 40 -> b = 40, 150 left. Pass 3: c = 150 ≤ 1000.
    assert allocate(200, sizes, "neyman", sds) == {"a": 10, "b": 40, "c": 150}


def test_after_capping_strata_with_zero_deviation_share_the_rest_by_size() -> None:
    sizes = {"a": 100, "b": 5, "c": 300}
    sds = {"a": 0, "b": 10, "c": 0}
    # only b has weight: its quota 80 > 5 -> b = 5; a and c have weight 0, so the 75 left
    # are allocated in proportion to size: 75·100/400 = 18.75, 75·300/400 = 56.25 -> 19, 56
    assert allocate(80, sizes, "neyman", sds) == {"a": 19, "b": 5, "c": 56}


def test_zero_deviation_stratum_gets_nothing_when_others_absorb_the_sample() -> None:
    assert allocate(50, {"a": 100, "b": 100}, "neyman", {"a": 0, "b": 3}) == {"a": 0, "b": 50}


def test_a_census_when_the_size_equals_the_frame() -> None:
    sizes = {"a": 3, "b": 5}
    assert allocate(8, sizes) == sizes
    assert allocate(8, sizes, "neyman", {"a": 9, "b": 1}) == sizes


@pytest.mark.parametrize(
    ("size", "allocation", "sds", "message"),
    [
        (0, "proportional", None, "at least 1"),
        (301, "proportional", None, "exceeds the frame's 300"),
        (10, "stratified", None, "unknown allocation"),
        (10, "proportional", {"a": 1}, "only used by neyman"),
        (10, "neyman", None, "needs a standard deviation"),
        (10, "neyman", {"a": 1}, "missing standard deviation for stratum 'b'"),
        (10, "neyman", {"a": 1, "b": -2}, "must not be negative"),
        (10, "neyman", {"a": 1, "b": 2.5}, "finite decimal"),
        (10, "neyman", {"a": 1, "b": "NaN"}, "finite decimal"),
        (10, "neyman", {"a": 1, "b": 1, "zz": 1}, "unknown stratum 'zz'"),
    ],
)
def test_bad_allocation_requests_are_refused(size, allocation, sds, message) -> None:
    with pytest.raises(SamplingError, match=message):
        allocate(size, {"a": 100, "b": 200}, allocation, sds)


sizes_strategy = st.dictionaries(
    st.sampled_from(["npc_deputy", "business", "urban_resident", "rural_resident", "x"]),
    st.integers(min_value=0, max_value=3000),
    min_size=1,
).filter(lambda d: sum(d.values()) > 0)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(sizes=sizes_strategy, data=st.data())
def test_proportional_allocation_properties(sizes, data) -> None:
    total = sum(sizes.values())
    n = data.draw(st.integers(min_value=1, max_value=total))
    result = allocate(n, sizes)
    assert sum(result.values()) == n
    for h, n_h in result.items():
        quota = Fraction(n * sizes[h], total)
        assert math.floor(quota) <= n_h <= math.ceil(quota) <= sizes[h]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(sizes=sizes_strategy, data=st.data())
def test_neyman_allocation_never_exceeds_a_stratum(sizes, data) -> None:
    total = sum(sizes.values())
    n = data.draw(st.integers(min_value=1, max_value=total))
    sds = {h: Decimal(data.draw(st.integers(min_value=0, max_value=500))) / 10 for h, size in sizes.items() if size > 0}
    result = allocate(n, sizes, "neyman", sds)
    assert sum(result.values()) == n
    assert all(0 <= result[h] <= sizes[h] for h in sizes)

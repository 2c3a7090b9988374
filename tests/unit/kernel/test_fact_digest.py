"""The digest of a plan's facts: the latest version of each (kind, key), in any order, any number of
times; and the one-line lag of a source whose facts scoring does not all hold."""

from __future__ import annotations

import pytest

from jixiao.fact_digest import FactDigest, lag, lags

pytestmark = pytest.mark.unit

FACTS = [("units", ("v1",), 1), ("results", ("v1", "r1"), 2), ("deductions", ("v1", "d1"), 3)]


def test_order_duplicates_and_older_versions_do_not_change_the_digest() -> None:
    again = [FACTS[2], ("results", ("v1", "r1"), 1), *FACTS, FACTS[0]]
    assert FactDigest.of(again) == FactDigest.of(FACTS)
    assert FactDigest.of(FACTS).facts == 3


def test_a_newer_version_a_missing_fact_or_another_key_changes_it() -> None:
    base = FactDigest.of(FACTS)
    assert FactDigest.of([*FACTS, ("results", ("v1", "r1"), 3)]) != base
    assert FactDigest.of(FACTS[:2]) != base
    assert FactDigest.of([*FACTS[:2], ("vetoes", ("v1", "d1"), 3)]) != base
    assert FactDigest.of([("x", ("a", "b"), 1)]) != FactDigest.of([("x", ('a","b',), 1)])  # keys stay apart


def test_the_lag_says_what_differs() -> None:
    source = FactDigest.of(FACTS)
    assert lag("indicators", source, FactDigest.of(FACTS)) is None
    assert lag("indicators", source, FactDigest.of(FACTS[:1])) == "indicators: 2 of 3 facts missing in scoring"
    stale = FactDigest.of([*FACTS[:2], ("deductions", ("v1", "d1"), 2)])
    assert lag("inspections", source, stale) == "inspections: 3 facts held, not all at the source's latest versions"
    more = FactDigest.of([*FACTS, ("units", ("v9",), 1)])
    assert lag("indicators", source, more) == "indicators: scoring holds 4 facts, the source 3"
    assert lag("surveys", source, None) == "surveys: scoring does not report its facts (has 3)"
    assert lags({"surveys": source, "indicators": source}, {"indicators": source}) == {
        "surveys": "surveys: scoring does not report its facts (has 3)"
    }

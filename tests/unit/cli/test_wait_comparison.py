"""What `jixiao results --wait` compares: each source's fact digest with scoring's, or (a source or a
scoring too old for digests) events committed with events applied; the wait ends on equality only."""

from __future__ import annotations

import pytest

from jixiao.errors import Unavailable
from jixiao.fact_digest import FactDigest
from jixiao_cli.commands.scoring_client import SourcePosition, behind, wait_consistent

pytestmark = pytest.mark.unit
ALL = FactDigest.of([("units", ("v1",), 1), ("results", ("v1", "r1"), 2)])
ONE = FactDigest.of([("units", ("v1",), 1)])


def held(facts: dict[str, FactDigest], applied: dict[str, int] | None = None) -> dict:
    return {"plan": "p", "applied": applied or {}, "facts": {s: d.to_dict() for s, d in facts.items()}}


def test_equal_digests_are_caught_up_whatever_the_events_counted() -> None:
    sources = {"indicators": SourcePosition(9, ALL)}
    assert behind(sources, held({"indicators": ALL}, {"indicators": 0})) == {}  # facts by resync: no event counted
    assert behind(sources, held({"indicators": ONE}, {"indicators": 9})) == {
        "indicators": "indicators: 1 of 2 facts missing in scoring"
    }


def test_without_digests_the_event_counts_are_compared() -> None:
    old_source = {"surveys": SourcePosition(5, None)}
    assert behind(old_source, held({"surveys": ALL}, {"surveys": 3})) == {
        "surveys": "surveys: 2 of 5 events not applied by scoring"
    }
    assert behind(old_source, held({}, {"surveys": 5})) == {}
    old_scoring = {"applied": {"inspections": 4}}
    assert behind({"inspections": SourcePosition(4, ALL)}, old_scoring) == {}


async def test_the_wait_ends_when_scoring_catches_up_and_else_times_out_in_one_line() -> None:
    states = iter([ONE, ONE, ALL])

    async def sources():
        return {"indicators": SourcePosition(2, ALL), "surveys": SourcePosition(0, FactDigest.of([]))}

    async def scoring():
        return held({"indicators": next(states), "surveys": FactDigest.of([])})

    await wait_consistent(sources, scoring, timeout=60, poll=0)

    async def stuck():
        return held({"indicators": ONE, "surveys": FactDigest.of([])})

    with pytest.raises(
        Unavailable, match=r"^scoring has not caught up after 0 s: indicators: 1 of 2 facts missing in scoring$"
    ):
        await wait_consistent(sources, stuck, timeout=0, poll=0)

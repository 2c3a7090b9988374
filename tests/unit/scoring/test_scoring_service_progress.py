"""Progress leaves in the scoring service (fakes): last year's values come from the previous plan's
stored confirmed results, and a change to them re-scores the plan that follows."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.rules import exactjson
from services.scoring.adapters.source_events import apply_event
from services.scoring.service.recompute import Touched, recompute_touched

pytestmark = pytest.mark.unit
STEPS = [{"min": D("0.05"), "fraction": D(1)}, {"min": None, "fraction": D(0)}]
R = {"id": "R", "name": "完成率", "parent": None, "max_points": D(9), "target": D(100), "method": {"type": "ratio"}}
P = {
    "id": "P",
    "name": "进步",
    "parent": None,
    "max_points": D(1),
    "method": {"type": "progress", "of": "R", "bands": STEPS},
}
UNIT = {"id": "s1", "name": "办公室", "kind": "section", "group": "sections"}


def plan(sf, plan_id: str, year: int, previous: str | None = None) -> dict:
    doc = {**sf.MANUAL_PLAN, "id": plan_id, "year": year}
    if previous:
        doc["previous_plan"] = previous
    return doc


def actual(plan_id: str, value: str, version: int = 1):
    rid = f"s1:R@Y:{plan_id}"
    return make_envelope(
        source="indicators",
        plan_id=plan_id,
        unit_id="s1",
        aggregate_id=rid,
        version=version,
        payload=indicators_pb2.IndicatorResultConfirmed(
            plan_id=plan_id,
            unit_id="s1",
            indicator_id="R",
            period="Y",
            result_id=rid,
            version=version,
            actual=value,
            confirmed=True,
            confirmed_by="assessor",
        ),
    )


def year_2025(sf, value: str = "80"):
    return [
        sf.plan_published(plan(sf, "sl-2025", 2025), [R]),
        sf.unit_upserted(UNIT, "sl-2025"),
        actual("sl-2025", value),
    ]


def year_2026(sf, value: str = "90"):
    return [
        sf.plan_published(plan(sf, "sl-2026", 2026, "sl-2025"), [R, P]),
        sf.unit_upserted(UNIT, "sl-2026"),
        actual("sl-2026", value),
    ]


async def deliver(deps, envelopes) -> Touched:
    async with deps.uow_factory() as uow:
        touched = Touched()
        for env in envelopes:
            touch = await apply_event(uow.repo, env)
            if touch is not None:
                touched.add(touch, env)
        await recompute_touched(deps, uow, touched)
        await uow.commit()
    return touched


def progress_of(store) -> tuple:
    row = store.state.scores[("sl-2026", "s1", "Y")]
    leaf = next(
        x for c in exactjson.loads(row.explanation_json)["components"] for x in c["leaves"] if x["indicator"] == "P"
    )
    missing = exactjson.loads(row.score_json)["missing"]
    return row.total, leaf["fraction"], leaf["input"].get("previous_actual"), missing


async def test_progress_reads_last_years_stored_results(sf, store, deps):
    await deliver(deps, year_2025(sf))
    await deliver(deps, year_2026(sf))
    # R 0.9 × 9 = 8.1; P: 0.8 → 0.9 is +0.1 ≥ 0.05, 1 point: 9.1 of 10
    assert progress_of(store) == (D("91.00"), 1, 80, [])


async def test_a_correction_of_last_year_rescores_the_following_plan(sf, store, deps):
    await deliver(deps, year_2025(sf))
    await deliver(deps, year_2026(sf))
    touched = await deliver(deps, [actual("sl-2025", "88", version=2)])
    assert touched.units == {"sl-2025": {"s1"}}
    # 0.88 → 0.9 is +0.02: the catch-all, 0 points: 8.1 of 10
    assert progress_of(store) == (D("81.00"), 0, 88, [])
    assert store.state.scores[("sl-2026", "s1", "Y")].version == 2


async def test_last_year_arriving_later_fills_the_progress_leaf(sf, store, deps):
    await deliver(deps, year_2026(sf))
    assert progress_of(store) == (D("81.00"), 0, None, ["progress:P"])
    await deliver(deps, year_2025(sf))
    assert progress_of(store) == (D("91.00"), 1, 80, [])

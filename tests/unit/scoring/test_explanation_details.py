"""The explanation says who confirmed each counted result and when, and each deduction's aspect,
inspection, appeal and outcome, with the cap applied (issue #14: the score card shows them).

Events in, scoring's explanation API out, over the fakes: a manual leaf plus a capped penalty.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import indicators_pb2, inspections_pb2
from services.scoring.adapters.source_events import apply_event
from services.scoring.service.queries import unit_score
from services.scoring.service.recompute import Touched, recompute_touched

pytestmark = pytest.mark.unit
PLAN = "t-2026"


async def deliver(deps, envelopes) -> None:
    """What the consumer does with a batch: apply each event, then recompute what it touched."""
    async with deps.uow_factory() as uow:
        touched = Touched()
        for env in envelopes:
            touch = await apply_event(uow.repo, env)
            if touch is not None:
                touched.add(touch, env)
        await recompute_touched(deps, uow, touched)
        await uow.commit()


def _plan(sf):
    plan = {
        **sf.MANUAL_PLAN,
        "components": [
            {"key": "indicators", "type": "indicators", "weight": D(1)},
            {"key": "inspection", "type": "penalty", "kinds": ["inspection"], "cap": D(3)},
        ],
    }
    return sf.plan_published(plan)


def _confirmed(unit: str, points: str, by: str, at: str, version: int):
    rid = f"{unit}:M@Y"
    return make_envelope(
        source="indicators",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=rid,
        version=version,
        payload=indicators_pb2.IndicatorResultConfirmed(
            plan_id=PLAN,
            unit_id=unit,
            indicator_id="M",
            period="Y",
            result_id=rid,
            version=version,
            points=points,
            confirmed=True,
            confirmed_by=by,
            confirmed_at=at,
        ),
    )


def _recorded(did: str, points: str, version: int, *, date: str, appeal: str = "", outcome: str = "", aspect=""):
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id="v1",
        aggregate_id=did,
        version=version,
        payload=inspections_pb2.DeductionRecorded(
            plan_id=PLAN,
            unit_id="v1",
            deduction_id=did,
            kind="inspection",
            points=points,
            date=date,
            aspect=aspect,
            version=version,
            inspection_id="insp-7",
            appeal_id=appeal,
            appeal_outcome=outcome,
        ),
    )


def _revoked(did: str, version: int, appeal: str):
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id="v1",
        aggregate_id=did,
        version=version,
        payload=inspections_pb2.DeductionRevoked(
            plan_id=PLAN,
            unit_id="v1",
            deduction_id=did,
            reason=f"appeal {appeal} granted: fixed",
            version=version,
            appeal_id=appeal,
        ),
    )


async def test_leaves_say_who_confirmed_and_when_deductions_their_appeal_and_the_cap(sf, deps) -> None:
    await deliver(
        deps,
        [
            _plan(sf),
            sf.unit_upserted(sf.UNITS[0]),
            _confirmed("v1", "70", "王审核", "2026-11-30T02:00:00+00:00", 1),
            _recorded("d1", "2", 1, date="2026-03-01", aspect="环境卫生"),
            _recorded("d2", "1.5", 1, date="2026-04-01"),
            _recorded("d3", "1", 1, date="2026-05-01"),
        ],
    )
    # a correction confirmed later by someone else replaces both; d1 appealed then rejected, d3 granted
    await deliver(
        deps,
        [
            _confirmed("v1", "92", "李科长", "2026-12-01T08:30:00+00:00", 2),
            _recorded("d1", "2", 2, date="2026-03-01", aspect="环境卫生", appeal="ap1", outcome="open"),
            _recorded("d1", "2", 3, date="2026-03-01", aspect="环境卫生", appeal="ap1", outcome="rejected"),
            _recorded("d2", "1.5", 2, date="2026-04-01", appeal="ap2", outcome="open"),
            _revoked("d3", 2, "ap3"),
        ],
    )
    got = await unit_score(deps, PLAN, "Y", "v1", provisional=True)
    components = {c["key"]: c for c in got["explanation"]["components"]}
    [leaf] = components["indicators"]["leaves"]
    assert (leaf["confirmed_by"], leaf["confirmed_at"], leaf["points"]) == (
        "李科长",
        "2026-12-01T08:30:00+00:00",
        D(92),
    )
    penalty = components["inspection"]
    assert penalty["cap"] == D(3) and components["indicators"]["cap"] is None
    lines = {d["id"]: d for d in penalty["deductions"]}
    assert [
        (i, d["date"], d["aspect"], d["inspection"], d["appeal"], d["appeal_outcome"], d["status"], d["counted"])
        for i, d in sorted(lines.items())
    ] == [
        ("d1", "2026-03-01", "环境卫生", "insp-7", "ap1", "rejected", "counted", D(2)),
        ("d2", "2026-04-01", None, "insp-7", "ap2", "open", "capped", D(1)),  # 2 + 1.5 > cap 3
        ("d3", "2026-05-01", None, "insp-7", "ap3", "granted", "revoked", D(0)),
    ]
    assert lines["d3"]["reason"] == "appeal ap3 granted: fixed" and lines["d1"]["reason"] is None
    assert got["score"]["total"] == D("89.00")  # 92 − min(3, 2 + 1.5)


async def test_a_correction_without_an_appeal_keeps_the_appeal_seen_before(sf, store, deps) -> None:
    await deliver(deps, [_plan(sf), sf.unit_upserted(sf.UNITS[0]), _confirmed("v1", "80", "a", "", 1)])
    await deliver(deps, [_recorded("d1", "2", 1, date="2026-03-01", appeal="ap1", outcome="rejected")])
    await deliver(deps, [_recorded("d1", "1", 2, date="2026-03-02")])
    got = await unit_score(deps, PLAN, "Y", "v1", provisional=True)
    [line] = next(c for c in got["explanation"]["components"] if c["key"] == "inspection")["deductions"]
    assert (line["points"], line["date"], line["appeal"], line["appeal_outcome"]) == (
        D(1),
        "2026-03-02",
        "ap1",
        "rejected",
    )
    [leaf] = next(c for c in got["explanation"]["components"] if c["key"] == "indicators")["leaves"]
    assert (leaf["confirmed_by"], leaf["confirmed_at"]) == ("a", None)  # no time in the event: none shown

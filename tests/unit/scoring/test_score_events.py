"""The score events as a public contract (docs/score-events.md): self-contained, one-step decoding,
keys as the proto says, snapshot hash and the unit events PeriodGraded lists. On fakes, no servers.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal as D

import pytest
from google.protobuf import json_format

from jixiao.messaging.envelope import BadEnvelope, Envelope, make_envelope, payload_of, to_json, to_text
from jixiao.proto.events.v1 import scores_pb2
from jixiao.rules import exactjson
from services.scoring.adapters.source_events import apply_event
from services.scoring.service.closing import close_period
from services.scoring.service.queries import results, snapshots
from services.scoring.service.recompute import Touched, recompute_touched

pytestmark = pytest.mark.unit
PLAN = "t-2026"


@pytest.fixture
def plan(sf) -> dict:
    """MANUAL_PLAN with an inspection penalty (cap 3) and display names of the ranking groups."""
    return {
        **sf.MANUAL_PLAN,
        "components": [
            {"key": "indicators", "type": "indicators", "weight": D(1)},
            {"key": "inspection", "type": "penalty", "kinds": ["inspection"], "cap": D(3)},
        ],
        "groups": {"villages": "行政村"},
    }


async def deliver(deps, envelopes) -> None:
    async with deps.uow_factory() as uow:
        touched = Touched()
        for env in envelopes:
            touch = await apply_event(uow.repo, env)
            if touch is not None:
                touched.add(touch, env)
        await recompute_touched(deps, uow, touched)
        await uow.commit()


async def graded_year(sf, deps, plan) -> None:
    """v1 92.345 − 1 deduction, v2 80, a1 86.5; closed once."""
    await deliver(
        deps,
        [
            sf.plan_published(plan),
            *(sf.unit_upserted(u) for u in sf.UNITS),
            *(sf.points_confirmed(u, p) for u, p in {"v1": "92.345", "v2": "80", "a1": "86.5"}.items()),
            sf.deduction_recorded("d1", "v1", "1"),
        ],
    )
    await close_period(deps, PLAN, "Y", "office", reconcile=False)


def of_type(store, type_: str) -> list[tuple[Envelope, object]]:
    return [(env, payload_of(env)) for env in store.state.outbox if env.type == type_]


# --- one-step decoding ------------------------------------------------------------------------------


def test_the_payload_travels_as_an_any_and_the_old_bytes_still_decode() -> None:
    payload = scores_pb2.PeriodGraded(plan_id=PLAN, period="Y", snapshot_version=3, units=2)
    env = make_envelope(source="scoring", payload=payload, plan_id=PLAN)
    assert (env.body.type_url, env.body.value) == ("type.googleapis.com/jixiao.events.v1.PeriodGraded", env.payload)
    assert payload_of(Envelope.FromString(env.SerializeToString())) == payload
    env.ClearField("body")  # an event written before `body` existed
    assert payload_of(env) == payload


def test_a_body_of_another_type_than_the_envelope_says_is_poison() -> None:
    env = make_envelope(source="scoring", payload=scores_pb2.PeriodGraded(plan_id=PLAN), plan_id=PLAN)
    env.body.Pack(scores_pb2.UnitScoreGraded(plan_id=PLAN))
    with pytest.raises(BadEnvelope, match="UnitScoreGraded"):
        payload_of(env)


def test_json_and_text_show_the_whole_event_in_one_step() -> None:
    payload = scores_pb2.UnitScoreGraded(
        plan_id=PLAN,
        period="Y",
        snapshot_version=1,
        score=scores_pb2.UnitScore(unit_id="v1", grade="excellent", grade_label="优"),
    )
    env = make_envelope(source="scoring", payload=payload, plan_id=PLAN, unit_id="v1")
    doc = to_json(env)
    assert "payload" not in doc
    assert (doc["body"]["@type"], doc["body"]["snapshotVersion"], doc["body"]["score"]["gradeLabel"]) == (
        "type.googleapis.com/jixiao.events.v1.UnitScoreGraded",
        "1",
        "优",
    )
    assert doc["body"]["score"]["rank"] == 0  # defaults are printed, not left out
    back = json_format.ParseDict(doc, Envelope())  # the canonical mapping reads back
    assert payload_of(back) == payload
    assert "[type.googleapis.com/jixiao.events.v1.UnitScoreGraded]" in to_text(env) and "优" in to_text(env)


# --- self-contained score events ------------------------------------------------------------------------


async def test_a_graded_unit_event_carries_names_labels_weights_and_a_signed_deduction(sf, store, deps, plan) -> None:
    await graded_year(sf, deps, plan)
    ((env, g),) = [(e, p) for e, p in of_type(store, "UnitScoreGraded") if e.unit_id == "v1"]
    s = g.score
    assert (g.plan_id, g.plan_name, g.year, g.period, g.plan_version, g.snapshot_version, g.snapshot_units) == (
        PLAN,
        "测试方案",
        2026,
        "Y",
        1,
        1,
        3,
    )
    assert (s.unit_id, s.unit_name, s.group, s.group_name, s.rank, s.group_size) == (
        "v1",
        "一村",
        "villages",
        "行政村",
        1,
        2,
    )
    assert (s.status, s.total, s.grade, s.grade_label, s.vetoed, s.award_eligible) == (
        "final",
        "91.35",
        "excellent",
        "优",
        False,
        True,
    )
    assert [(c.key, c.type, c.weight, c.score, c.points, c.cap) for c in s.component_scores] == [
        ("indicators", "indicators", "1", "92.35", "92.35", ""),
        ("inspection", "penalty", "", "", "-1.00", "3"),
    ]
    assert dict(s.components) == {"indicators": "92.35", "inspection": "1.00"}  # the v1 map keeps its meaning
    ((_, a1),) = [(e, p) for e, p in of_type(store, "UnitScoreGraded") if e.unit_id == "a1"]
    assert (a1.score.group_name, a1.score.group_size, a1.score.grade_label) == ("agency", 1, "良")


async def test_provisional_events_are_self_contained_too(sf, store, deps, plan) -> None:
    await deliver(
        deps, [sf.plan_published(plan), *(sf.unit_upserted(u) for u in sf.UNITS), sf.points_confirmed("v2", "80")]
    )
    ((env, u),) = of_type(store, "UnitScoreUpdated")[-1:]
    assert (env.unit_id, u.plan_name, u.year, u.plan_version, u.version) == ("v2", "测试方案", 2026, 1, 1)
    assert (u.score.status, u.score.unit_name, u.score.group_name, u.score.group_size, u.score.grade_label) == (
        "provisional",
        "二村",
        "行政村",
        2,
        "一般",
    )


async def test_keys_snapshot_hash_and_the_unit_events_period_graded_lists(sf, store, deps, plan) -> None:
    await graded_year(sf, deps, plan)
    units = of_type(store, "UnitScoreGraded")
    ((env, period),) = of_type(store, "PeriodGraded")
    text, _ = await results(deps, PLAN, "Y")
    digest = hashlib.sha256(exactjson.dumps(exactjson.loads(text)).encode()).hexdigest()
    assert (env.unit_id, env.plan_id) == ("", PLAN)  # keyed by the plan id (outbox: unit_id or plan_id)
    assert all(e.unit_id == p.score.unit_id for e, p in units)  # unit events keyed by their unit
    assert {period.snapshot_sha256, *(p.snapshot_sha256 for _, p in units)} == {digest}
    assert [s["sha256"] for s in await snapshots(deps, PLAN, "Y")] == [digest]  # stored with the snapshot
    assert (period.units, list(period.unit_ids), list(period.unit_event_ids)) == (
        3,
        ["a1", "v1", "v2"],
        [e.event_id for e, _ in sorted(units, key=lambda u: u[0].unit_id)],
    )
    assert [(b.code, b.label, b.min, b.award) for b in period.grade_bands] == [
        ("excellent", "优", "90", True),
        ("good", "良", "85", True),
        ("fair", "一般", "75", False),
        ("poor", "差", "", False),
    ]
    assert [(g.id, g.name, g.units) for g in period.groups] == [("agency", "agency", 1), ("villages", "行政村", 2)]
    assert [(c.key, c.weight, c.cap) for c in period.components] == [("indicators", "1", ""), ("inspection", "", "3")]
    assert (period.plan_name, period.year, list(period.changed_unit_ids)) == ("测试方案", 2026, ["a1", "v1", "v2"])


async def test_a_rescore_shows_up_as_a_new_snapshot_version_naming_what_changed(sf, store, deps, plan) -> None:
    await graded_year(sf, deps, plan)
    await deliver(deps, [sf.deduction_revoked("d1", "v1")])
    await close_period(deps, PLAN, "Y", "office", reconcile=False)
    ((_, second),) = [(e, p) for e, p in of_type(store, "PeriodGraded") if p.snapshot_version == 2]
    ((_, v1),) = [(e, p) for e, p in of_type(store, "UnitScoreGraded") if p.snapshot_version == 2 and e.unit_id == "v1"]
    assert (list(second.changed_unit_ids), second.units, v1.score.total) == (["v1"], 3, "92.35")
    first = next(p for _, p in of_type(store, "PeriodGraded") if p.snapshot_version == 1)
    assert second.snapshot_sha256 != first.snapshot_sha256

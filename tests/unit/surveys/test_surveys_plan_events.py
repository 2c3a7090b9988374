"""PlanPublished and UnitUpserted from the indicators service, applied on fakes as the consumer applies them."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from jixiao.errors import JixiaoError
from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.rules import exactjson
from services.surveys.adapters.plans import RoundRecord
from services.surveys.domain.errors import PlanEventRejected, UnitEventRejected
from services.surveys.entrypoints.consumer import SurveysEventHandler
from services.surveys.service import handlers

pytestmark = pytest.mark.unit
D = Decimal


def plan_body(**survey) -> dict:
    return {
        "id": "p",
        "name": "白莲镇 2026",
        "year": 2026,
        "components": [
            {"key": "indicators", "type": "indicators", "weight": D("0.8")},
            {"key": "survey", "type": "survey", "weight": D("0.2")},
        ],
        "grade_bands": [{"grade": "ok", "label": "ok", "min": None}],
        "awards": {"eligible_grades": []},
        "veto": {"categories": [], "grade": None},
        "survey": {
            "rounds": [
                {"id": "mid", "weight": D("0.5"), "period": "H1"},
                {"id": "final", "weight": D("0.5"), "period": "Y"},
            ],
            "strata": {"a": D("0.25"), "b": D("0.75")},
            "answer_scores": {"yes": 100, "half": 50, "no": 0},
            **survey,
        },
    }


def plan_json(body: dict | None = None, **survey) -> str:
    return exactjson.dumps({"plan": body or plan_body(**survey), "indicators": []})


async def publish(uow, version: int, text: str, plan_id: str = "p") -> str:
    """One event in one consumer transaction (the batch commits; a refused event rolls back)."""
    async with uow:
        done = await handlers.apply_plan_published(uow, plan_id, version, text)
        await uow.commit()
    return done


async def upsert_unit(uow, unit: str, version: int, name: str = "白莲村", plan_id: str = "p") -> bool:
    async with uow:
        done = await handlers.apply_unit_upserted(uow, plan_id, unit, name, "village", version)
        await uow.commit()
    return done


def resp(i, unit, stratum, *answers, rnd="mid"):
    return {"id": f"r{i}", "unit": unit, "round": rnd, "stratum": stratum, "mode": "phone", "answers": list(answers)}


async def test_a_published_plan_configures_rounds_strata_and_answer_scores(fake_uow):
    uow = fake_uow()
    assert await publish(uow, 1, plan_json()) == "applied"
    stored = uow.repo.plans["p"]
    assert (stored.version, stored.year, dict(stored.answer_scores)) == (1, 2026, {"yes": 100, "half": 50, "no": 0})
    assert [(r.round_id, r.weight, r.period, r.state) for r in await uow.repo.list_rounds("p")] == [
        ("mid", D("0.5"), "H1", "open"),
        ("final", D("0.5"), "Y", "open"),
    ]
    assert uow.repo.weights["p"][""] == {"a": D("0.25"), "b": D("0.75")}
    assert uow.published == []  # nothing stored yet, nothing to re-score


async def test_units_become_known_before_or_after_their_plan(fake_uow):
    uow = fake_uow()
    assert await upsert_unit(uow, "u1", 1)  # before its plan: UnitUpserted travels under the unit's key
    await publish(uow, 1, plan_json())
    assert await upsert_unit(uow, "u2", 3)
    assert not await upsert_unit(uow, "u2", 2, name="old name")  # an older version changes nothing
    assert uow.repo.unit_versions[("p", "u2")] == 3
    out = await handlers.import_responses(uow, "p", [resp(1, "u1", "a", "yes"), resp(2, "u2", "b", "half")])
    assert (out["accepted"], out["scores_updated"]) == (2, 2)


async def test_stale_and_repeated_versions_are_ignored(fake_uow):
    uow = fake_uow()
    assert await publish(uow, 2, plan_json(answer_scores={"yes": 90, "half": 40, "no": 0})) == "applied"
    assert await publish(uow, 1, plan_json()) == "stale"
    assert await publish(uow, 2, plan_json(strata={"a": 1})) == "stale"
    stored = uow.repo.plans["p"]
    assert (stored.version, dict(stored.answer_scores)) == (2, {"yes": 90, "half": 40, "no": 0})
    assert uow.repo.weights["p"][""] == {"a": D("0.25"), "b": D("0.75")}


async def test_a_newer_version_rescores_stored_responses_and_republishes(fake_uow):
    uow = fake_uow()
    await publish(uow, 1, plan_json())
    await upsert_unit(uow, "u1", 1)
    await handlers.import_responses(
        uow, "p", [resp(1, "u1", "a", "yes"), resp(2, "u1", "b", "half", "no"), resp(3, "u1", "b", "yes", rnd="final")]
    )
    assert [(p.round_id, p.version) for _, p in uow.published] == [("final", 1), ("mid", 1)]
    await publish(uow, 2, plan_json(answer_scores={"yes": 80, "half": 60, "no": 10}))
    # mid: a = 80, b = (60 + 10)/2 = 35 -> 0.25·80 + 0.75·35 = 46.25; final: b only = 80
    assert [(p.round_id, p.version, D(p.score)) for _, p in uow.published[2:]] == [
        ("final", 2, D(80)),
        ("mid", 2, D("46.25")),
    ]
    await publish(uow, 3, plan_json(answer_scores={"yes": 80, "half": 60, "no": 10}, strata={"a": 1, "b": 1}))
    # new weights: mid 0.5·80 + 0.5·35; final keeps its score but publishes its stratum's new weight
    assert [(p.round_id, p.version, D(p.score), [s.weight for s in p.strata]) for _, p in uow.published[4:]] == [
        ("final", 3, D(80), ["1"]),
        ("mid", 3, D("57.5"), ["1", "1"]),
    ]
    assert {env.type for env, _ in uow.published} == {"SurveyScoreUpdated"}


def _closed(uow) -> None:
    uow.repo.rounds["p"]["mid"] = RoundRecord("mid", D("0.5"), "H1", "closed", 0)


@pytest.mark.parametrize(
    ("version", "text", "prepare", "says"),
    [
        (2, "{not json", None, "invalid JSON"),
        (2, exactjson.dumps({"plan": {**plan_body(), "id": "other"}, "indicators": []}), None, "must hold the plan"),
        (2, exactjson.dumps([1, 2]), None, "not a plan document"),
        (2, plan_json({**plan_body(), "grade_bands": []}), None, "invalid"),
        (0, plan_json(), None, "version"),
        (2, plan_json(rounds=[{"id": "mid", "weight": D("0.7"), "period": "H1"}]), _closed, "refused"),
        (2, plan_json(answer_scores={"yes": 100, "no": 0}), None, "refused"),
        (2, plan_json(strata={"a": 1}), None, "refused"),
    ],
    ids=[
        "not-json",
        "other-plan",
        "not-an-object",
        "invalid-plan",
        "no-version",
        "closed-round",
        "answer-in-use-dropped",
        "weighted-stratum-dropped",
    ],
)
async def test_poison_plans_are_refused_with_a_jixiao_error_and_change_nothing(fake_uow, version, text, prepare, says):
    uow = fake_uow()
    await publish(uow, 1, plan_json())
    await upsert_unit(uow, "u1", 1)
    await handlers.import_responses(uow, "p", [resp(1, "u1", "b", "half"), resp(2, "u1", "a", "yes")])
    if prepare:
        prepare(uow)
    before = copy.deepcopy((uow.repo.plans, uow.repo.rounds, uow.repo.weights, uow.repo.aggregates, uow.repo.scores))
    published = len(uow.published)
    with pytest.raises(PlanEventRejected, match=says) as err:
        await publish(uow, version, text)
    assert isinstance(err.value, JixiaoError)  # the kernel parks it instead of retrying
    assert (uow.repo.plans, uow.repo.rounds, uow.repo.weights, uow.repo.aggregates, uow.repo.scores) == before
    assert len(uow.published) == published


async def test_a_plan_without_a_survey_part_is_acknowledged_without_work(fake_uow):
    uow = fake_uow()
    body = {**plan_body(), "components": [{"key": "indicators", "type": "indicators", "weight": 1}]}
    del body["survey"]
    assert await publish(uow, 1, plan_json(body)) == "no survey"
    assert uow.repo.plans == {} and uow.repo.rounds == {}


@pytest.mark.parametrize(("plan_id", "unit_id", "version"), [("", "u1", 1), ("p", "", 1), ("p", "u1", 0)])
async def test_a_unit_event_without_ids_or_version_is_refused(fake_uow, plan_id, unit_id, version):
    uow = fake_uow()
    with pytest.raises(UnitEventRejected):
        await upsert_unit(uow, unit_id, version, plan_id=plan_id)
    assert uow.repo.units == {}


async def test_the_handler_acknowledges_other_indicator_events_without_touching_anything():
    handler = SurveysEventHandler(runtime=None)  # no runtime, no session: any work would fail
    for payload in (
        indicators_pb2.IndicatorResultConfirmed(
            plan_id="p",
            unit_id="u1",
            indicator_id="i1",
            period="Y",
            result_id="x",
            version=1,
            actual="3",
            confirmed=True,
        ),
        indicators_pb2.TargetSet(plan_id="p", unit_id="u1", indicator_id="i1", target="5", version=1),
        indicators_pb2.PeriodClosed(plan_id="p", period="Y", closed_by="office"),
    ):
        env = make_envelope(source="indicators", payload=payload, plan_id="p", unit_id="u1", version=1)
        assert await handler.apply(None, env) is None
    await handler.after_batch(None)
    with pytest.raises(AttributeError):  # while a PlanPublished does go to the database
        await handler.apply(
            None,
            make_envelope(
                source="indicators",
                plan_id="p",
                version=1,
                payload=(indicators_pb2.PlanPublished(plan_id="p", year=2026, version=1, plan_json=plan_json())),
            ),
        )

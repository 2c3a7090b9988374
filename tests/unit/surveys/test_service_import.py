"""The surveys handlers on fakes: validation, idempotency, versions and events, settings."""

from __future__ import annotations

import copy
from decimal import Decimal, localcontext

import pytest

from jixiao.errors import InvalidInput
from jixiao.rules.model import SurveyResponse
from jixiao.rules.survey import round_score
from services.surveys.domain.aggregates import score_key
from services.surveys.service import handlers
from services.surveys.settings import DEFAULT_PII_KEY, SurveysSettings

pytestmark = pytest.mark.unit
D = Decimal


def plan(**strata) -> dict:
    return {
        "plan": {
            "id": "p",
            "name": "p",
            "year": 2026,
            "components": [{"key": "survey", "type": "survey", "weight": 1}],
            "grade_bands": [{"grade": "ok", "label": "ok", "min": None}],
            "awards": {"eligible_grades": []},
            "veto": {"categories": [], "grade": None},
            "survey": {
                "rounds": [{"id": "mid", "weight": D("0.5"), "period": "H1"}],
                "strata": strata or {"a": D("0.25"), "b": D("0.75")},
                "answer_scores": {"yes": 100, "half": 50, "no": 0},
            },
        },
        "units": [{"id": "u1"}],
        "survey_strata": [],
    }


def resp(i, stratum, *answers, unit="u1", rnd="mid"):
    return {"id": f"r{i}", "unit": unit, "round": rnd, "stratum": stratum, "mode": "phone", "answers": list(answers)}


async def test_import_scores_and_publishes_then_is_idempotent(fake_uow):
    uow = fake_uow()
    doc = plan()
    doc["survey_responses"] = [resp(1, "a", "yes"), resp(2, "a", "no"), resp(3, "b", "half", None)]
    out = await handlers.import_bundle(uow, doc)
    assert out["survey_responses"]["accepted"] == 3 and out["survey_responses"]["scores_updated"] == 1
    [(env, payload)] = uow.published
    # S = 0.25·50 + 0.75·50 = 50; SE² = 0.0625·5000/2 = 156.25
    assert (payload.unit_id, payload.round_id, payload.version, D(payload.score), D(payload.se)) == (
        "u1",
        "mid",
        1,
        50,
        D("12.5"),
    )
    assert env.aggregate_version == 1 and env.unit_id == "u1"
    again = await handlers.import_bundle(uow, doc)
    assert again["survey_responses"]["accepted"] == 0 and again["survey_responses"]["unchanged"] == 3
    assert len(uow.published) == 1


async def test_differing_redelivery_is_ignored_and_reported_and_versions_grow(fake_uow):
    uow = fake_uow()
    await handlers.import_bundle(uow, plan())
    await handlers.import_responses(uow, "p", [resp(1, "a", "yes")])
    out = await handlers.import_responses(uow, "p", [resp(1, "a", "no"), resp(2, "b", "no"), resp(2, "b", "yes")])
    assert out["accepted"] == 1 and out["differing_ids"] == ["r1", "r2"]
    assert [p.version for _, p in uow.published] == [1, 2]
    with localcontext() as ctx:
        ctx.prec = 28
        assert D(uow.published[-1][1].score) == D(25)  # 0.25·100 + 0.75·0


async def test_rejected_responses_name_their_paths_and_store_nothing(fake_uow):
    uow = fake_uow()
    await handlers.import_bundle(uow, plan())
    with pytest.raises(InvalidInput) as err:
        await handlers.import_responses(
            uow,
            "p",
            [
                resp(1, "a", "yes"),
                resp(2, "z", "yes"),
                resp(3, "a", "maybe"),
                resp(4, "a", "yes", unit="u9"),
                resp(5, "a", "yes", rnd="end"),
            ],
        )
    assert [p.path for p in err.value.problems] == [
        "$.survey_responses[1].stratum",
        "$.survey_responses[2].answers[0]",
        "$.survey_responses[3].unit",
        "$.survey_responses[4].round",
    ]
    assert uow.repo.responses == {} and uow.published == []


async def test_weight_change_rescores_and_republishes(fake_uow):
    uow = fake_uow()
    doc = plan()
    doc["survey_responses"] = [resp(1, "a", "yes"), resp(2, "b", "no")]
    await handlers.import_bundle(uow, doc)
    out = await handlers.define_plan(uow, plan(a=D(1), b=D(1)))
    assert out["scores_updated"] == 1
    assert (uow.published[-1][1].version, D(uow.published[-1][1].score)) == (2, D(50))


def test_settings_refuse_the_default_pii_key_outside_local_mode():
    assert SurveysSettings().pii_key.get_secret_value() == DEFAULT_PII_KEY
    with pytest.raises(ValueError, match="JIXIAO_PII_KEY"):
        SurveysSettings(env="production")
    with pytest.raises(ValueError, match="JIXIAO_PII_KEY"):
        SurveysSettings(pii_key="not-a-key")
    with pytest.raises(ValueError):
        SurveysSettings().check_against("production")
    from services.surveys.adapters.pii import generate_key

    SurveysSettings(env="production", pii_key=generate_key()).check_against("production")


# --- the running aggregates --------------------------------------------------------------------


def recount(repo, plan_id: str = "p") -> dict:
    """The aggregates a from-scratch pass over the stored responses gives."""
    scores = repo.plans[plan_id].answer_scores
    out: dict = {}
    for (p, _), r in repo.responses.items():
        if p == plan_id:
            key = (p, r.unit_id, r.round_id, r.stratum, score_key(r.answers, scores))
            out[key] = out.get(key, 0) + 1
    return out


def from_scratch(repo, unit: str = "u1", rnd: str = "mid", plan_id: str = "p") -> tuple[str, str]:
    """(score, se) of the rules' round_score over every stored response of the pair."""
    weights = {**repo.weights[plan_id].get("", {}), **repo.weights[plan_id].get(unit, {})}
    rows = [r for (p, _), r in repo.responses.items() if p == plan_id and (r.unit_id, r.round_id) == (unit, rnd)]
    rs = round_score(
        rnd,
        [SurveyResponse(r.response_id, r.round_id, r.stratum, r.answers) for r in rows],
        weights,
        repo.plans[plan_id].answer_scores,
    )
    return str(rs.score), str(rs.se)


async def test_aggregates_count_each_response_once_whatever_is_delivered_again(fake_uow):
    uow = fake_uow()
    doc = plan()
    doc["survey_responses"] = [
        resp(1, "a", "yes", "half"),
        resp(2, "a", "no"),
        resp(3, "b", None),
        resp(4, "b", "half"),
    ]
    await handlers.import_bundle(uow, doc)
    first = dict(uow.repo.aggregates)
    assert first == recount(uow.repo) and sum(first.values()) == 4
    assert first[("p", "u1", "mid", "b", "")] == 1  # an unscored response counts in `responses` only
    await handlers.import_bundle(uow, doc)  # the same bundle again
    out = await handlers.import_responses(uow, "p", [resp(1, "b", "no"), resp(2, "a", "no"), resp(2, "a", "no")])
    assert (out["accepted"], out["unchanged"], out["differing_ids"]) == (0, 2, ["r1"])
    assert uow.repo.aggregates == first and len(uow.published) == 1
    await handlers.import_responses(uow, "p", [resp(5, "a", "yes"), resp(6, "b", "yes", "no", "half")])
    assert uow.repo.aggregates == recount(uow.repo) and sum(uow.repo.aggregates.values()) == 6
    last = uow.published[-1][1]
    assert (last.version, last.responses) == (2, 6)
    assert (last.score, last.se) == from_scratch(uow.repo)


async def test_answer_score_change_reaggregates_and_republishes_the_from_scratch_score(fake_uow):
    uow = fake_uow()
    doc = plan()
    doc["survey_responses"] = [resp(1, "a", "yes", "half"), resp(2, "b", "half"), resp(3, "b", "yes", "no", "no")]
    await handlers.import_bundle(uow, doc)
    assert {k[-1] for k in uow.repo.aggregates} == {"75", "50", "33.33333333333333333333333333"}
    changed = plan()
    changed["plan"]["survey"]["answer_scores"] = {"yes": 90, "half": D("60.5"), "no": 0}
    out = await handlers.define_plan(uow, changed)
    assert out["scores_updated"] == 1
    assert uow.repo.aggregates == recount(uow.repo)
    assert {k[-1] for k in uow.repo.aggregates} == {"75.25", "60.5", "30"}
    last = uow.published[-1][1]
    assert last.version == 2 and (last.score, last.se) == from_scratch(uow.repo)
    assert D(last.score) == D("0.25") * D("75.25") + D("0.75") * (D("60.5") + 30) / 2


async def test_a_plan_the_stored_responses_no_longer_fit_is_refused_and_changes_nothing(fake_uow):
    uow = fake_uow()
    doc = plan()
    doc["survey_responses"] = [resp(1, "a", "yes"), resp(2, "b", "half"), resp(3, "b", "no_answer")]
    await handlers.import_bundle(uow, doc)
    before = copy.deepcopy((uow.repo.plans, uow.repo.weights, uow.repo.aggregates, uow.repo.scores))
    dropped = plan()
    dropped["plan"]["survey"]["answer_scores"] = {"yes": 100, "no": 0}
    with pytest.raises(InvalidInput) as err:
        await handlers.define_plan(uow, dropped)
    assert [(p.path, "'half'" in p.message) for p in err.value.problems] == [("$.plan.survey.answer_scores", True)]
    with pytest.raises(InvalidInput) as err:
        await handlers.import_bundle(uow, plan(a=D(1)))  # stratum b has counted responses and would lose its weight
    assert [(p.path, "'b'" in p.message) for p in err.value.problems] == [("$.plan.survey.strata", True)]
    assert (uow.repo.plans, uow.repo.weights, uow.repo.aggregates, uow.repo.scores) == before
    assert len(uow.published) == 1


async def test_new_default_weights_replace_the_old_ones(fake_uow):
    uow = fake_uow()
    await handlers.define_plan(uow, plan())
    await handlers.define_plan(uow, plan(a=D(1), c=D(2)))
    assert uow.repo.weights["p"][""] == {"a": D(1), "c": D(2)}
    with pytest.raises(InvalidInput) as err:
        await handlers.import_responses(uow, "p", [resp(1, "b", "yes")])
    assert [p.path for p in err.value.problems] == ["$.survey_responses[0].stratum"]

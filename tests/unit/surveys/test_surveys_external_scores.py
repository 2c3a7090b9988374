"""External survey scores (以县效能办等部门组织评议结果为准) on fakes: used as given, winning over the
round's responses (kept, not counted), refused when out of range, audited, idempotent on import."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.errors import InvalidInput, NotFound
from services.surveys.service import handlers

pytestmark = pytest.mark.unit
D = Decimal


def plan() -> dict:
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
                "rounds": [
                    {"id": "mid", "weight": D("0.5"), "period": "H1"},
                    {"id": "end", "weight": 1, "period": "Y"},
                ],
                "strata": {"a": D("0.25"), "b": D("0.75")},
                "answer_scores": {"yes": 100, "half": 50, "no": 0},
            },
        },
        "units": [{"id": "u1"}, {"id": "u2"}],
        "survey_strata": [],
    }


def resp(i, stratum, *answers, unit="u1", rnd="mid"):
    return {"id": f"r{i}", "unit": unit, "round": rnd, "stratum": stratum, "mode": "phone", "answers": list(answers)}


EXTERNAL = {"score": D("91.35"), "source": "县效能办", "document": "县效办〔2026〕7号", "note": "年中评议"}


async def test_an_external_score_wins_over_responses_and_its_removal_restores_them(fake_uow):
    uow = fake_uow()
    doc = plan()
    doc["survey_responses"] = [resp(1, "a", "yes"), resp(2, "b", "half")]
    await handlers.import_bundle(uow, doc)
    [(_, counted)] = uow.published
    assert D(counted.score) == D("62.5") and not counted.external  # 0.25·100 + 0.75·50

    view = await handlers.put_external_score(uow, "p", "mid", "u1", EXTERNAL, "县绩效办")
    assert view["score"] == "91.35" and view["entered_by"] == "县绩效办"
    payload = uow.published[-1][1]
    assert (payload.external, D(payload.score), payload.se, payload.responses, list(payload.strata)) == (
        True,
        D("91.35"),
        "",
        0,
        [],
    )
    assert (payload.source, payload.document, payload.version) == ("县效能办", "县效办〔2026〕7号", 2)
    assert len(uow.repo.responses) == 2  # the responses are kept, not counted
    [score] = await handlers.get_scores(uow, "p", unit_id="u1", round_id="mid")
    assert score["external"] and score["se"] is None and score["ci95"] is None

    # the same entry again changes nothing; a later response does not change the round score
    await handlers.put_external_score(uow, "p", "mid", "u1", EXTERNAL, "县绩效办")
    await handlers.import_responses(uow, "p", [resp(3, "a", "no")])
    assert len(uow.published) == 2

    await handlers.remove_external_score(uow, "p", "mid", "u1")
    back = uow.published[-1][1]
    assert not back.external and back.responses == 3 and back.se != ""
    trail = [a for a in uow.audit_rows if a["entity_type"] == "external_score"]
    assert [a["action"] for a in trail] == ["external_score.entered", "external_score.removed"]
    assert trail[0]["after"]["document"] == "县效办〔2026〕7号" and trail[1]["before"]["score"] == "91.35"
    with pytest.raises(NotFound):
        await handlers.get_external_score(uow, "p", "mid", "u1")


async def test_a_round_with_only_an_external_score_is_scored_from_it(fake_uow):
    uow = fake_uow()
    await handlers.import_bundle(uow, plan())
    await handlers.put_external_score(uow, "p", "end", "u2", {**EXTERNAL, "score": 88}, "office")
    [(env, payload)] = uow.published
    assert (env.unit_id, payload.round_id, payload.score, payload.external) == ("u2", "end", "88", True)
    listed = await handlers.list_external_scores(uow, "p")
    assert [(e["unit"], e["round"], e["score"]) for e in listed] == [("u2", "end", "88")]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({**EXTERNAL, "score": D("100.01")}, "$.score"),
        ({**EXTERNAL, "score": -1}, "$.score"),
        ({**EXTERNAL, "score": "n/a"}, "$.score"),
        ({k: v for k, v in EXTERNAL.items() if k != "source"}, "$.source"),
        ({**EXTERNAL, "document": "  "}, "$.document"),
    ],
)
async def test_a_bad_external_score_is_refused_naming_the_field_and_stores_nothing(fake_uow, body, path):
    uow = fake_uow()
    await handlers.import_bundle(uow, plan())
    with pytest.raises(InvalidInput) as refused:
        await handlers.put_external_score(uow, "p", "mid", "u1", body, "office")
    assert [p.path for p in refused.value.problems] == [path]
    assert uow.repo.external == {} and uow.published == []
    assert [a["action"] for a in uow.audit_rows] == ["plan.stored"]  # only the plan's own row


async def test_an_unknown_round_or_unit_is_not_found(fake_uow):
    uow = fake_uow()
    await handlers.import_bundle(uow, plan())
    with pytest.raises(NotFound):
        await handlers.put_external_score(uow, "p", "nope", "u1", EXTERNAL, "office")
    with pytest.raises(NotFound):
        await handlers.put_external_score(uow, "p", "mid", "u9", EXTERNAL, "office")


async def test_the_import_takes_external_scores_idempotently_and_refuses_bad_ones_whole(fake_uow):
    uow = fake_uow()
    doc = plan()
    doc["survey_external_scores"] = [{"unit": "u1", "round": "end", **EXTERNAL}]
    out = await handlers.import_bundle(uow, doc)
    assert out["survey_external_scores"] == {"received": 1, "changed": 1}
    assert len(uow.published) == 1 and uow.published[0][1].external
    again = await handlers.import_bundle(uow, doc)
    assert again["survey_external_scores"]["changed"] == 0 and len(uow.published) == 1

    bad = plan()
    bad["survey_external_scores"] = [
        {"unit": "u2", "round": "end", **EXTERNAL},
        {"unit": "u2", "round": "end", **EXTERNAL, "score": 70},
        {"unit": "u3", "round": "end", **EXTERNAL},
    ]
    with pytest.raises(InvalidInput) as refused:
        await handlers.import_bundle(uow, bad)
    assert [p.path for p in refused.value.problems] == [
        "$.survey_external_scores[1].round",
        "$.survey_external_scores[2].unit",
    ]
    assert len(uow.repo.external) == 1


async def test_an_import_with_responses_and_an_external_score_for_a_round_publishes_only_the_external(fake_uow):
    uow = fake_uow()
    doc = plan()
    doc["survey_responses"] = [resp(1, "a", "yes"), resp(2, "b", "no")]
    doc["survey_external_scores"] = [{"unit": "u1", "round": "mid", **EXTERNAL}]
    out = await handlers.import_bundle(uow, doc)
    assert out["survey_responses"]["accepted"] == 2  # kept, not counted
    [(_, payload)] = uow.published
    assert (payload.external, payload.score, payload.version) == (True, "91.35", 1)

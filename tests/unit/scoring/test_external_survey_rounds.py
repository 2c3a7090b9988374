"""A survey round supplied from outside (the county office's evaluation) offline: the bundle's
`survey_external_scores` are used as given, win over the round's responses, carry no SE, and the
explanation marks the round as external."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from jixiao.rules.bundle import parse_bundle
from jixiao.rules.errors import BundleError
from services.scoring.domain.grading import score_bundle

pytestmark = pytest.mark.unit
D = Decimal

BUNDLE = {
    "format": "jixiao.bundle/v1",
    "plan": {
        "id": "p",
        "name": "p",
        "year": 2026,
        "components": [{"key": "survey", "type": "survey", "weight": 1}],
        "grade_bands": [{"grade": "ok", "label": "ok", "min": None}],
        "awards": {"eligible_grades": []},
        "veto": {"categories": [], "grade": None},
        "survey": {
            "rounds": [{"id": "mid", "weight": 1, "period": "H1"}, {"id": "end", "weight": 3, "period": "Y"}],
            "strata": {"a": 1},
            "answer_scores": {"yes": 100, "no": 0},
        },
    },
    "indicators": [],
    "units": [{"id": "u1", "name": "u1", "kind": "k"}, {"id": "u2", "name": "u2", "kind": "k"}],
    "survey_responses": [
        {"id": "r1", "unit": "u1", "round": "mid", "stratum": "a", "mode": "phone", "answers": ["yes"]},
        {"id": "r2", "unit": "u1", "round": "mid", "stratum": "a", "mode": "phone", "answers": ["no"]},
        {"id": "r3", "unit": "u1", "round": "end", "stratum": "a", "mode": "phone", "answers": ["no"]},
    ],
    "survey_external_scores": [
        {"unit": "u1", "round": "end", "score": D("90"), "source": "县效能办", "document": "文号1"},
        {"unit": "u2", "round": "mid", "score": D("80"), "source": "县效能办", "document": "文号2"},
        {"unit": "u2", "round": "end", "score": D("84"), "source": "县效能办", "document": "文号3"},
    ],
}


def test_external_rounds_are_used_as_given_without_se():
    scores = {s.unit: s for s in score_bundle(parse_bundle(copy.deepcopy(BUNDLE)))}
    u1, u2 = scores["u1"], scores["u2"]
    # u1: mid from responses (mean 50, SE = sd 70.71/√2 = 50), end external 90 (its response not counted)
    # survey = (1·50 + 3·90)/4 = 80; survey_se = (1/4)·50 = 12.5 (the external round is left out)
    assert u1.components["survey"] == D(80)
    assert u1.survey_se == D("12.5")
    # u2: both rounds external: (1·80 + 3·84)/4 = 83, no SE at all
    assert u2.components["survey"] == D(83) and u2.survey_se is None
    [line] = [c for c in u1.explanation.components if c.key == "survey"]
    mid, end = line.rounds
    assert (mid.external, end.external, end.se, end.strata) == (False, True, None, ())
    assert (end.source, end.document, end.score) == ("县效能办", "文号1", D(90))


def test_a_bad_or_second_external_score_is_refused_with_its_path():
    doc = copy.deepcopy(BUNDLE)
    doc["survey_external_scores"] += [
        {"unit": "u2", "round": "end", "score": 70, "source": "x", "document": "y"},
        {"unit": "u1", "round": "mid", "score": 101, "source": "x", "document": "y"},
    ]
    with pytest.raises(BundleError) as refused:
        parse_bundle(doc)
    assert [p.path for p in refused.value.problems] == [
        "$.survey_external_scores[3].round",
        "$.survey_external_scores[4].score",
    ]


def test_a_stored_external_round_becomes_an_external_round_score():
    from types import SimpleNamespace as Row

    from services.scoring.adapters.facts import FactRows, unit_facts

    rows = FactRows(
        rounds=[
            Row(
                round_id="end",
                score=D("88"),
                se=None,
                strata_json="[]",
                external=True,
                source="县效能办",
                document="文号",
            ),
            Row(round_id="mid", score=D("70"), se=D("2"), strata_json="[]", external=False, source="", document=""),
        ]
    )
    facts = unit_facts(rows)
    end, mid = facts.round_scores["end"], facts.round_scores["mid"]
    assert (end.external, end.source, end.document, end.score) == (True, "县效能办", "文号", D(88))
    assert not mid.external and mid.se == D(2)

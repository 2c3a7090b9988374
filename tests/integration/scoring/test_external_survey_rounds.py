"""An external survey round (the county office's own evaluation) through scoring: the event's
external flag, source and document are stored, the close grades exactly as `jixiao score` offline,
and the explanation marks the round as external without SE."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from bundle_events import all_events, bundle_events, records

from jixiao.rules import exactjson
from jixiao.rules.bundle import parse_bundle
from services.scoring.domain.grading import score_bundle

pytestmark = pytest.mark.integration
D = Decimal

DOC = {
    "format": "jixiao.bundle/v1",
    "plan": {
        "id": "ext-2026",
        "name": "ext",
        "year": 2026,
        "components": [{"key": "survey", "type": "survey", "weight": 1}],
        "grade_bands": [{"grade": "good", "label": "好", "min": 82}, {"grade": "ok", "label": "合格", "min": None}],
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


async def test_external_rounds_grade_as_offline_and_are_marked_external(scoring) -> None:
    outcomes = await scoring.applier.apply(records(all_events(bundle_events(copy.deepcopy(DOC)))))
    assert outcomes["parked"] == 0
    closed = await scoring.http.post("/v1/plans/ext-2026/periods/Y/close", json={"actor": "office"})
    assert closed.status_code == 200, closed.text
    offline = {s.unit: s for s in score_bundle(parse_bundle(copy.deepcopy(DOC)))}
    [doc] = (await scoring.service.results_doc("ext-2026", "Y"))[:1]
    got = {u["unit"]: u for u in doc["units"]}
    for unit, s in offline.items():
        assert got[unit]["total"] == s.total and got[unit]["grade"] == s.grade
    # u1 = (1·50 + 3·90)/4 = 80 with survey_se 12.5; u2 = 83, all external: no survey_se
    assert (got["u1"]["total"], got["u1"]["survey_se"], got["u2"]["total"]) == (D(80), D("12.50"), D(83))
    assert "survey_se" not in got["u2"]
    body = exactjson.loads((await scoring.http.get("/v1/plans/ext-2026/periods/Y/units/u1")).content)
    [survey] = [c for c in body["explanation"]["components"] if c["key"] == "survey"]
    rounds = {r["round"]: r for r in survey["rounds"]}
    assert rounds["end"]["external"] is True and rounds["end"]["se"] is None and rounds["end"]["strata"] == []
    assert (rounds["end"]["source"], rounds["end"]["document"]) == ("县效能办", "文号1")
    assert rounds["mid"]["external"] is False

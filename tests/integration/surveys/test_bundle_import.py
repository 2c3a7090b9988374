"""The example bundle through `POST /v1/import`: round scores give the expected survey component."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.rules.decimals import round2
from jixiao.rules.model import RoundScore, SurveyRound
from jixiao.samples import BAILIAN_BUNDLE
from services.scoring.domain.survey import survey_component

from .conftest import outbox_events, to_json

pytestmark = pytest.mark.integration
DATA = Path(__file__).resolve().parents[2] / "data"


async def test_bailian_bundle_matches_expected_survey_scores(svc):
    app, client = svc
    raw = BAILIAN_BUNDLE.read_bytes()
    bundle = json.loads(raw, parse_float=Decimal)
    part = {k: bundle[k] for k in ("plan", "units", "survey_strata", "survey_responses")}
    r = await client.post("/v1/import", content=to_json(part), headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    first = r.json()["survey_responses"]
    assert first["accepted"] + first["unchanged"] + first["ignored_differing"] == len(part["survey_responses"])
    expected = {
        u["unit"]: u for u in json.loads((DATA / "bailian-2026.results.json").read_text(), parse_float=Decimal)["units"]
    }
    rounds = [SurveyRound(r["id"], r["weight"], r["period"]) for r in bundle["plan"]["survey"]["rounds"]]
    scores: dict[str, dict[str, RoundScore]] = {}
    for s in (await client.get("/v1/plans/bailian-2026/scores")).json():
        if s["score"]:
            scores.setdefault(s["unit"], {})[s["round"]] = RoundScore(s["round"], Decimal(s["score"]), Decimal(s["se"]))
    checked = 0
    for unit, exp in expected.items():
        if "survey" not in exp["components"]:
            assert unit not in scores
            continue
        outcome = survey_component(rounds, scores[unit])
        assert round2(outcome.score) == exp["components"]["survey"], unit
        assert round2(outcome.se) == exp["survey_se"], unit
        checked += 1
    assert checked > 30
    events = await outbox_events(app)
    assert len(events) == len((await client.get("/v1/plans/bailian-2026/scores")).json())  # one per (unit, round)
    again = (
        await client.post("/v1/import", content=to_json(part), headers={"content-type": "application/json"})
    ).json()
    assert again["survey_responses"]["accepted"] == 0 and again["survey_responses"]["scores_updated"] == 0
    assert len(await outbox_events(app)) == len(events)

"""Scoring service adapters and reports, without servers: rows → domain facts, diffs, settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace as Row

import pytest

from jixiao.errors import InvalidInput
from jixiao.rules.model import Deduction, Revocation
from services.scoring.adapters.facts import (
    FactRows,
    decimal_field,
    parse_plan_json,
    score_message_fields,
    unit_facts,
)
from services.scoring.service.diff import diff_units
from services.scoring.service.handlers import provisional_entry
from services.scoring.settings import ScoringSettings

pytestmark = pytest.mark.unit


def _result(rid, version, confirmed, actual):
    return Row(
        result_id=rid,
        version=version,
        confirmed=confirmed,
        indicator_id="I1",
        part="",
        period="Y",
        actual=Decimal(actual),
        rating=None,
        done=None,
        points=None,
    )


def test_a_newer_pending_result_follows_the_confirmed_one_and_an_older_one_precedes_it() -> None:
    facts = unit_facts(
        FactRows(
            results=[
                _result("r", 3, True, "5"),
                _result("r", 4, False, "6"),
                _result("q", 2, False, "1"),
                _result("q", 1, True, "2"),
            ]
        )
    )
    assert [(r.confirmed, r.actual) for r in facts.results] == [
        (True, Decimal("2")),
        (False, Decimal("1")),
        (True, Decimal("5")),
        (False, Decimal("6")),
    ]


def test_deductions_revocations_vetoes_and_rounds_become_domain_values() -> None:
    day = dt.date(2026, 5, 1)
    rows = FactRows(
        deductions=[
            Row(
                deduction_id="d1",
                version=2,
                recorded=True,
                kind="inspection",
                points=Decimal("1.5"),
                date=day,
                revoked=True,
                aspect=None,
            ),
            Row(
                deduction_id="d2",
                version=1,
                recorded=False,
                kind=None,
                points=None,
                date=None,
                revoked=True,
                aspect=None,
            ),
        ],
        vetoes=[
            Row(veto_id="v1", category="work_safety", date=day, document=None, lifted=False),
            Row(veto_id="v2", category="environment", date=day, document=None, lifted=True),
        ],
        rounds=[
            Row(
                round_id="mid",
                score=Decimal("80.5"),
                se=Decimal("1.2"),
                strata_json='[{"stratum": "business", "n": 3, "mean": "80.5", "sd": "2", "weight": "0.2"}]',
            ),
            Row(round_id="final", score=None, se=None, strata_json="[]"),
        ],
        targets=[Row(indicator_id="I1", target=Decimal("10"))],
    )
    facts = unit_facts(rows)
    assert isinstance(facts.deductions[0], Deduction) and facts.deductions[0].revoked
    assert isinstance(facts.deductions[1], Revocation)
    assert [v.id for v in facts.vetoes] == ["v1"]
    assert list(facts.round_scores) == ["mid"] and facts.round_scores["mid"].strata[0].n == 3
    assert facts.targets == {"I1": Decimal("10")}


def test_malformed_event_values_are_invalid_input() -> None:
    assert decimal_field("0.10", "x") == Decimal("0.10")
    assert decimal_field("", "x", required=False) is None
    for bad in ("abc", "NaN", "Infinity"):
        with pytest.raises(InvalidInput):
            decimal_field(bad, "x")
    with pytest.raises(InvalidInput):
        parse_plan_json("{not json")
    with pytest.raises(InvalidInput):
        parse_plan_json('{"plan": {"id": "p", "year": 2026, "components": []}, "indicators": []}')


def test_diff_says_which_components_changed() -> None:
    old = [
        {
            "unit": "a",
            "group": "g",
            "status": "final",
            "components": {"indicators": Decimal("80.00"), "inspection": Decimal("1")},
            "vetoed": False,
            "missing": ["indicator:I1"],
            "total": Decimal("79.00"),
            "grade": "fair",
            "award_eligible": False,
            "rank": 2,
        },
        {
            "unit": "b",
            "group": "g",
            "status": "final",
            "components": {},
            "vetoed": False,
            "missing": [],
            "total": Decimal("1"),
            "grade": "poor",
            "award_eligible": False,
            "rank": 1,
        },
    ]
    new = [
        {
            **old[0],
            "components": {"indicators": Decimal("85.0"), "inspection": Decimal("1.00")},
            "missing": [],
            "total": Decimal("84.00"),
            "rank": 1,
        },
        old[1],
    ]
    (entry,) = diff_units(old, new)
    assert (entry.unit, entry.old_total, entry.new_total) == ("a", Decimal("79.00"), Decimal("84.00"))
    assert entry.why == ("component indicators: 80.00 → 85.00", "rank: 2 → 1", "missing -indicator:I1")
    assert diff_units(new, new) == []


def test_score_message_and_provisional_status() -> None:
    entry = {
        "unit": "a",
        "group": "g",
        "status": "final",
        "components": {"x": Decimal("1.5")},
        "vetoed": True,
        "missing": [],
        "survey_se": None,
        "total": Decimal("90.00"),
        "grade": "excellent",
        "award_eligible": False,
        "rank": None,
    }
    fields = score_message_fields(provisional_entry(entry, "Y"))
    assert fields["status"] == "provisional" and fields["total"] == "90.00" and fields["rank"] == 0
    assert fields["components"] == {"x": "1.5"} and fields["survey_se"] == ""
    assert provisional_entry({**entry, "status": "incomplete"}, "Y")["status"] == "incomplete"


def test_settings_read_source_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIXIAO_INDICATORS_GRPC", "127.0.0.1:7001")
    monkeypatch.setenv("JIXIAO_SURVEYS_GRPC", "surveys:7002")
    settings = ScoringSettings()
    assert settings.source_targets() == {"indicators": "127.0.0.1:7001", "surveys": "surveys:7002"}
    with pytest.raises(ValueError):
        ScoringSettings(inspections_grpc="no-port")


def test_outside_local_mode_scoring_refuses_to_start_without_every_source() -> None:
    partial = ScoringSettings(indicators_grpc="indicators:7001", surveys_grpc="surveys:7002")
    assert partial.missing_sources() == ["inspections"]
    partial.check_for("local")  # the local stack may grade without reconciling (the close says so)
    with pytest.raises(ValueError, match="JIXIAO_INSPECTIONS_GRPC must be set outside local mode"):
        partial.check_for("production")
    ScoringSettings(indicators_grpc="i:1", surveys_grpc="s:2", inspections_grpc="p:3").check_for("production")

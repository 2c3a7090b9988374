"""Totals, rounding, grades, ranks, awards, penalties, vetoes, surveys and periods (hand-computed)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal as D

import pytest

from jixiao.rules.bundle import load_bundle, parse_bundle
from jixiao.rules.errors import ScoringError
from jixiao.rules.model import Deduction, Result, Revocation, RoundScore, SurveyResponse, UnitFacts, Veto
from jixiao.rules.survey import round_score
from jixiao.samples import BAILIAN_BUNDLE
from services.scoring.domain.deductions import resolve_deductions
from services.scoring.domain.grading import grade_period, score_bundle, score_unit
from services.scoring.domain.results import results_to_dict

pytestmark = pytest.mark.unit


# --- rounding and grades ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "total", "grade"),
    [
        ("89.995", D("90.00"), "excellent"),
        ("89.994999", D("89.99"), "good"),
        ("90", D("90.00"), "excellent"),
        ("84.995", D("85.00"), "good"),
        ("84.9949999999", D("84.99"), "fair"),
        ("74.994", D("74.99"), "poor"),
        ("0.005", D("0.01"), "poor"),
    ],
)
def test_total_rounds_half_up_and_grades_on_the_rounded_total(sf, points, total, grade):
    s = sf.score(sf.bundle(plan=sf.MANUAL_PLAN, indicators=sf.MANUAL_INDICATORS, results=[sf.manual("v1", points)]))[
        "v1"
    ]
    assert s.total_exact == D(points)
    assert s.total == total and str(s.total) == str(total)
    assert s.grade == grade


def test_total_of_weighted_components_rounds_only_at_the_end(sf):
    # indicators 89.99375 × 0.8 = 71.995; survey 90 × 0.2 = 18 -> 89.995 -> 90.00
    plan = copy.deepcopy(sf.PLAN)
    doc = sf.bundle(
        plan=plan,
        indicators=[{"id": "M", "name": "m", "parent": None, "max_points": D(100), "method": {"type": "manual"}}],
        results=[sf.result("v1", "M", points=D("89.99375"))],
        survey_responses=[
            sf.response("r1", "v1", "final", "resident", "satisfied", "basically_satisfied"),  # 90
        ],
    )
    s = sf.score(doc)["v1"]
    assert s.components == {"indicators": D("89.99375"), "survey": D(90), "inspection": D(0)}
    assert s.total_exact == D("89.995000")
    assert (s.total, s.grade) == (D("90.00"), "excellent")


def test_negative_total_is_not_clamped(sf):
    plan = copy.deepcopy(sf.MANUAL_PLAN)
    plan["components"].append({"key": "inspection", "type": "penalty", "kinds": ["inspection"]})
    doc = sf.bundle(
        plan=plan,
        indicators=sf.MANUAL_INDICATORS,
        results=[sf.manual("v1", "1")],
        deductions=[sf.deduction("d1", "v1", 3)],
    )
    s = sf.score(doc)["v1"]
    assert (s.total, s.grade) == (D("-2.00"), "poor")


# --- ranks --------------------------------------------------------------------------------------


def test_ranks_share_ties_and_skip_within_each_group(sf):
    units = [{"id": f"u{i}", "name": f"u{i}", "kind": "village", "group": "g"} for i in range(1, 6)] + [
        {"id": "x1", "name": "x1", "kind": "agency"},
        {"id": "x2", "name": "x2", "kind": "agency"},
    ]
    doc = sf.bundle(
        plan=sf.MANUAL_PLAN,
        indicators=sf.MANUAL_INDICATORS,
        units=units,
        results=[
            sf.manual("u1", "90"),
            sf.manual("u2", "85.001"),  # 85.00
            sf.manual("u3", "84.995"),  # 85.00 too: ranks use the rounded total
            sf.manual("u4", "80"),
            sf.manual("u5", "99"),
            sf.manual("x1", "10"),
            sf.manual("x2", "10"),
        ],
    )
    scores = sf.score(doc)
    assert {u: s.rank for u, s in scores.items()} == {
        "u5": 1,
        "u1": 2,
        "u2": 3,
        "u3": 3,
        "u4": 5,
        "x1": 1,
        "x2": 1,
    }
    assert scores["x1"].group == "agency"  # group defaults to the kind


def test_grade_period_orders_by_unit_and_refuses_duplicates(sf):
    bundle = parse_bundle(
        sf.bundle(plan=sf.MANUAL_PLAN, indicators=sf.MANUAL_INDICATORS, results=[sf.manual("v2", "50")])
    )
    units = {u.id: u for u in bundle.units}
    scored = [score_unit(bundle.plan, units[u], bundle.facts[u]) for u in ("v2", "a1", "v1")]
    graded = grade_period(bundle.plan, scored)
    assert [s.unit for s in graded] == ["a1", "v1", "v2"]
    assert [s.rank for s in graded] == [1, 2, 1]  # a1 alone in "agency"; v2 (50) above v1 (0)
    with pytest.raises(ScoringError):
        grade_period(bundle.plan, scored + scored[:1])
    with pytest.raises(ScoringError):
        grade_period(bundle.plan, scored, "H1")


# --- penalties and efficiency -------------------------------------------------------------------


def test_penalty_is_capped_and_the_explanation_shows_what_was_capped(sf):
    doc = sf.bundle(
        survey_responses=sf.survey_for("v1"),
        deductions=[
            sf.deduction("d2", "v1", 2, "2026-03-01"),
            sf.deduction("d1", "v1", "1.5", "2026-02-01"),
            sf.deduction("d3", "v1", 1, "2026-04-01"),
        ],
    )
    s = sf.score(doc)["v1"]
    assert s.components["inspection"] == 3
    assert s.total_exact == D("0.2") * 100 - 3
    lines = s.explanation.components[2].deductions
    assert [(d.id, d.counted, d.status) for d in lines] == [
        ("d1", D("1.5"), "counted"),
        ("d2", D("1.5"), "capped"),
        ("d3", D(0), "capped"),
    ]


def test_penalty_without_cap_is_not_capped(sf):
    plan = copy.deepcopy(sf.PLAN)
    del plan["components"][2]["cap"]
    doc = sf.bundle(
        plan=plan,
        survey_responses=sf.survey_for("v1"),
        deductions=[sf.deduction("d1", "v1", 2), sf.deduction("d2", "v1", "2.5")],
    )
    assert sf.score(doc)["v1"].components["inspection"] == D("4.5")


def test_deductions_outside_the_year_revoked_or_of_other_kinds_do_not_count(sf):
    doc = sf.bundle(
        survey_responses=sf.survey_for("v1"),
        deductions=[
            sf.deduction("d1", "v1", 1, "2025-12-31"),
            sf.deduction("d2", "v1", 1, "2027-01-01"),
            sf.deduction("d3", "v1", 1, revoked=True),
            sf.deduction("d4", "v1", 1, kind="discipline"),
            sf.deduction("d5", "v1", "0.5", "2026-12-31"),
        ],
    )
    s = sf.score(doc)["v1"]
    assert s.components["inspection"] == D("0.5")
    statuses = {d.id: d.status for d in s.explanation.components[2].deductions}
    assert statuses == {"d1": "outside_period", "d2": "outside_period", "d3": "revoked", "d5": "counted"}


def test_efficiency_component(sf):
    plan = copy.deepcopy(sf.PLAN)
    plan["components"] = [
        {"key": "indicators", "type": "indicators", "weight": D("0.6")},
        {"key": "efficiency", "type": "efficiency", "weight": D("0.4"), "kinds": ["discipline"]},
        {"key": "inspection", "type": "penalty", "kinds": ["inspection"], "cap": D(3)},
    ]
    doc = sf.bundle(
        plan=plan,
        results=[
            sf.result("v1", "L1", actual=D(100)),
            sf.result("v1", "L2", rating="A"),
            sf.result("v1", "L4", points=D(5)),
        ],
        deductions=[
            sf.deduction("e1", "v1", "0.5", kind="discipline"),
            sf.deduction("e2", "v1", "0.5", kind="discipline"),
            sf.deduction("e3", "v1", "0.5", kind="discipline", revoked=True),
            sf.deduction("i1", "v1", 1),
            sf.deduction("e4", "v2", 150, kind="discipline"),  # floors at 0
        ],
    )
    scores = sf.score(doc)
    v1 = scores["v1"]
    assert v1.components == {"indicators": D(100), "efficiency": D(99), "inspection": D(1)}
    assert v1.total_exact == D("0.6") * 100 + D("0.4") * 99 - 1  # 98.6
    assert (v1.total, v1.grade, v1.status) == (D("98.60"), "excellent", "final")
    assert scores["v2"].components["efficiency"] == 0
    assert scores["a1"].components["efficiency"] == 100  # no deductions is a clean ledger
    assert scores["v2"].explanation.components[1].deductions[0].status == "capped"


# --- one id, one deduction ----------------------------------------------------------------------


def test_same_deduction_id_counts_once_and_the_last_record_stands(sf):
    doc = sf.bundle(
        survey_responses=sf.survey_for("v1") + sf.survey_for("v2"),
        deductions=[
            sf.deduction("d1", "v1", 2),
            sf.deduction("d1", "v1", 2),  # delivered twice: once
            sf.deduction("d2", "v1", 1),
            sf.deduction("d2", "v2", "0.5"),  # corrected to another unit
        ],
    )
    scores = sf.score(doc)
    assert scores["v1"].components["inspection"] == 2
    assert scores["v2"].components["inspection"] == D("0.5")


def test_a_later_revoked_record_revokes_and_revoking_twice_is_reported(sf):
    doc = sf.bundle(
        survey_responses=sf.survey_for("v1"),
        deductions=[
            sf.deduction("d1", "v1", 2),
            sf.deduction("d1", "v1", 2, revoked=True),
            sf.deduction("d1", "v1", 2, revoked=True),
            {"id": "d1", "revoked": True},  # a bare revocation
            sf.deduction("d2", "v1", 1),
        ],
    )
    s = sf.score(doc)["v1"]
    assert s.components["inspection"] == 1
    notices = [str(n) for n in s.explanation.notices]
    assert len(notices) == 2
    assert notices[0].startswith("$.deductions[2]: deduction 'd1' is already revoked")
    assert notices[1].startswith("$.deductions[3]: deduction 'd1' is already revoked")


def test_bare_revocation_revokes_and_unknown_revocation_is_reported(sf):
    doc = sf.bundle(
        survey_responses=sf.survey_for("v1"),
        deductions=[
            sf.deduction("d1", "v1", 2),
            {"id": "d1", "revoked": True, "unit": "v1"},
            {"id": "d404", "revoked": True},
            sf.deduction("d2", "v1", 1),
        ],
    )
    bundle = parse_bundle(doc)
    assert [str(w) for w in bundle.warnings] == [
        "$.deductions[2]: revocation of unknown deduction 'd404' changes nothing"
    ]
    s = sf.score(doc)["v1"]
    assert s.components["inspection"] == 1
    assert s.explanation.notices == ()


def test_resolve_deductions_reports_futile_revocations():
    day = dt.date(2026, 5, 1)
    entries = [
        Deduction("d1", "inspection", D(2), day),
        Revocation("d1", source="e2"),
        Revocation("d1", source="e3"),
        Revocation("d9", source="e4"),
        Deduction("d2", "inspection", D(1), day),
    ]
    standing, notices = resolve_deductions(entries)
    assert [(d.id, d.revoked) for d in standing] == [("d1", True), ("d2", False)]
    assert [n.path for n in notices] == ["e3", "e4"]
    assert "already revoked" in notices[0].message and "unknown deduction 'd9'" in notices[1].message


# --- vetoes -------------------------------------------------------------------------------------


def _excellent_and_poor(sf, veto_grade=None, **extra):
    plan = copy.deepcopy(sf.MANUAL_PLAN)
    plan["veto"]["grade"] = veto_grade
    return sf.bundle(
        plan=plan,
        indicators=sf.MANUAL_INDICATORS,
        results=[sf.manual("v1", "95"), sf.manual("v2", "60"), sf.manual("a1", "88")],
        vetoes=[
            {"id": "x1", "unit": "v1", "category": "work_safety", "date": "2026-08-01"},
            {"id": "x2", "unit": "v2", "category": "environment", "date": "2026-03-01"},
            {"id": "x3", "unit": "a1", "category": "environment", "date": "2025-12-31"},  # last year
        ],
        **extra,
    )


def test_veto_removes_the_award_only(sf):
    scores = sf.score(_excellent_and_poor(sf))
    v1 = scores["v1"]
    assert (v1.vetoed, v1.grade, v1.total, v1.rank, v1.award_eligible) == (True, "excellent", D("95.00"), 1, False)
    assert scores["v2"].rank == 2  # ranked by total like any other unit
    a1 = scores["a1"]
    assert (a1.vetoed, a1.grade, a1.award_eligible) == (False, "good", True)


def test_veto_grade_lowers_but_never_raises(sf):
    scores = sf.score(_excellent_and_poor(sf, veto_grade="fair"))
    assert (scores["v1"].grade, scores["v1"].award_eligible) == ("fair", False)  # lowered
    assert scores["v2"].grade == "poor"  # already lower: kept
    assert scores["a1"].grade == "good"  # veto of last year does not count
    assert scores["v1"].total == D("95.00") and scores["v1"].rank == 1


# --- incomplete units ---------------------------------------------------------------------------


def test_unit_without_survey_is_incomplete(sf):
    doc = sf.bundle(
        results=[sf.result("v1", "L1", actual=D(100)), sf.result("v2", "L1", actual=D(50))],
        survey_responses=sf.survey_for("v2")
        + [sf.response("r-empty", "v1", "final", "resident", None, "no_answer")],  # nothing scored
        deductions=[sf.deduction("d1", "v1", 1)],
        vetoes=[{"id": "x1", "unit": "v1", "category": "work_safety", "date": "2026-08-01"}],
    )
    scores = sf.score(doc)
    v1 = scores["v1"]
    assert v1.status == "incomplete"
    assert (v1.total, v1.total_exact, v1.grade, v1.rank, v1.award_eligible) == (None, None, None, None, False)
    assert v1.vetoed is True
    assert v1.components == {"indicators": D(50), "inspection": D(1)}
    assert v1.survey_se is None
    assert "component:survey" in v1.missing and "indicator:L2" in v1.missing
    assert scores["v2"].rank == 1  # the only final village
    entry = next(u for u in results_to_dict(parse_bundle(doc).plan, "Y", scores.values())["units"] if u["unit"] == "v1")
    assert entry["total"] is None and entry["grade"] is None and entry["rank"] is None
    assert "survey_se" not in entry and "survey" not in entry["components"]
    assert entry["components"]["inspection"] == D("1.00")


# --- survey -------------------------------------------------------------------------------------


SURVEY_RESPONSES = [
    # final round: residents r = 100 and 80; business r = 50 (skips null and no_answer)
    ("r1", "v1", "final", "resident", "satisfied"),
    ("r2", "v1", "final", "resident", "basically_satisfied", None),
    ("r3", "v1", "final", "business", "satisfied", None, "no_answer", "dissatisfied"),
    ("r4", "v1", "final", "business", None),  # nothing scored: not counted
    # mid round: one resident, r = 100
    ("r5", "v1", "mid", "resident", "satisfied"),
]


def test_survey_score_and_standard_error(sf):
    doc = sf.bundle(survey_responses=[sf.response(*r) for r in SURVEY_RESPONSES])
    s = sf.score(doc)["v1"]
    # final: S = (0.6 × 90 + 0.4 × 50) / 1 = 74; SE = sqrt(0.6² × 200 / 2) = 6 (n=1 -> s=0)
    # mid: S = 100, SE = 0; survey = (74 + 100) / 2 = 87; survey_se = sqrt(0.25 × 36) = 3
    assert s.components["survey"] == 87
    assert s.survey_se == 3
    rounds = {r.round: r for r in s.explanation.components[1].rounds}
    assert (rounds["final"].score, rounds["final"].se) == (74, 6)
    assert [(h.stratum, h.n, h.mean, h.weight) for h in rounds["final"].strata] == [
        ("business", 1, D(50), D("0.4")),
        ("resident", 2, D(90), D("0.6")),
    ]
    assert (rounds["mid"].score, rounds["mid"].se) == (100, 0)


def test_per_unit_stratum_weight_overrides_the_default(sf):
    doc = sf.bundle(
        survey_strata=[{"unit": "v1", "stratum": "business", "weight": D("0.9")}],
        survey_responses=[sf.response(*r) for r in SURVEY_RESPONSES if r[2] == "final"],
    )
    # S = (0.6 × 90 + 0.9 × 50) / 1.5 = 66
    assert sf.score(doc)["v1"].components["survey"] == 66


def test_a_response_id_counts_once_the_first_delivery(sf):
    doc = sf.bundle(
        survey_responses=[
            sf.response("r1", "v1", "final", "resident", "satisfied"),
            sf.response("r1", "v1", "final", "resident", "dissatisfied"),  # a second submission
            sf.response("r2", "v1", "final", "resident", "basically_satisfied"),
        ]
    )
    assert sf.score(doc)["v1"].components["survey"] == 90


def test_round_score_matches_published_round_scores(sf):
    bundle = parse_bundle(sf.bundle(survey_responses=[sf.response(*r) for r in SURVEY_RESPONSES]))
    plan, facts = bundle.plan, bundle.facts["v1"]
    unit = next(u for u in bundle.units if u.id == "v1")
    weights = {"resident": D("0.6"), "business": D("0.4")}
    published = {rnd: round_score(rnd, facts.responses, weights, plan.survey.answer_scores) for rnd in ("mid", "final")}
    assert published["final"] == RoundScore("final", D(74), D(6), published["final"].strata)
    from_raw = score_unit(plan, unit, facts)
    from_published = score_unit(plan, unit, UnitFacts(results=facts.results, round_scores=published))
    assert from_published.total_exact == from_raw.total_exact
    assert from_published.survey_se == from_raw.survey_se == 3
    with pytest.raises(ScoringError):  # one round given both ways
        score_unit(plan, unit, UnitFacts(responses=facts.responses, round_scores=published))


def test_round_score_sample_standard_deviation():
    responses = [SurveyResponse(f"r{i}", "final", "h", (a,)) for i, a in enumerate(["s", "s", "d", "b"])]
    rs = round_score("final", responses, {"h": D(1)}, {"s": D(100), "b": D(80), "d": D(0)})
    # r = 100, 100, 0, 80: mean 70, s² = (900 + 900 + 4900 + 100) / 3, SE = sqrt(s² / 4)
    variance = D(6800) / 3
    assert rs.score == 70
    assert rs.strata[0].sd == variance.sqrt()
    assert rs.se == (variance / 4).sqrt()
    assert round_score("mid", responses, {"h": D(1)}, {"s": D(100), "b": D(80), "d": D(0)}) is None


# --- periods ------------------------------------------------------------------------------------


def _period_bundle(sf):
    return sf.bundle(
        results=[
            sf.result("v1", "L1", actual=D(100)),  # the year
            sf.result("v1", "L1", period="H1", actual=D(100)),
            sf.result("v1", "L1", period="Q1", actual=D(50)),
        ],
        survey_responses=[
            sf.response("m1", "v1", "mid", "resident", "satisfied"),
            sf.response("f1", "v1", "final", "resident", "dissatisfied"),
        ],
        deductions=[sf.deduction("d1", "v1", 1, "2026-02-01"), sf.deduction("d2", "v1", 2, "2026-11-01")],
        vetoes=[{"id": "x1", "unit": "v1", "category": "work_safety", "date": "2026-08-01"}],
    )


def test_year_counts_every_round(sf):
    s = sf.score(_period_bundle(sf))["v1"]
    assert s.components == {"indicators": D(50), "survey": D(50), "inspection": D(3)}
    assert (s.status, s.total, s.vetoed) == ("final", D("47.00"), True)


def test_half_year_uses_its_results_rounds_and_deductions(sf):
    s = sf.score(_period_bundle(sf), "H1")["v1"]
    # indicators 10/20 = 50; survey = mid round only = 100; penalty = d1 (Feb) = 1
    assert s.components == {"indicators": D(50), "survey": D(100), "inspection": D(1)}
    assert s.total_exact == D("0.8") * 50 + D("0.2") * 100 - 1
    assert (s.status, s.grade, s.rank, s.award_eligible) == ("provisional", None, None, False)
    assert s.vetoed is False  # the veto is dated in August


def test_quarter_without_survey_rescales_the_weights(sf):
    s = sf.score(_period_bundle(sf), "Q1")["v1"]
    # no survey round inside Q1: indicators alone carry weight 0.8 / 0.8 = 1
    assert s.components == {"indicators": D(25), "inspection": D(1)}
    assert s.total_exact == 24 and s.total == D("24.00")
    assert s.status == "provisional" and "component:survey" in s.missing
    assert [line.weight for line in s.explanation.components] == [D(1), D("0.2"), None]
    assert [line.contribution for line in s.explanation.components] == [D(25), D(0), D(-1)]


def test_quarter_rescaling_with_three_weighted_components(sf):
    plan = copy.deepcopy(sf.PLAN)
    plan["components"] = [
        {"key": "indicators", "type": "indicators", "weight": D("0.5")},
        {"key": "survey", "type": "survey", "weight": D("0.25")},
        {"key": "efficiency", "type": "efficiency", "weight": D("0.25"), "kinds": ["discipline"]},
    ]
    doc = sf.bundle(
        plan=plan,
        results=[sf.result("v1", "L1", period="Q2", actual=D(100))],
        deductions=[sf.deduction("e1", "v1", 10, "2026-05-01", kind="discipline")],
    )
    s = sf.score(doc, "Q2")["v1"]
    # survey left out: 0.5 / 0.75 × 50 + 0.25 / 0.75 × 90
    assert s.total_exact == D("0.5") / D("0.75") * 50 + D("0.25") / D("0.75") * 90
    assert s.total == D("63.33")
    assert sum(line.weight for line in s.explanation.components if line.score is not None) == 1


def test_period_without_any_data_has_no_total(sf):
    s = sf.score(_period_bundle(sf), "Q3")["v1"]
    assert (s.status, s.total, s.grade) == ("provisional", None, None)
    assert {"component:indicators", "component:survey"} <= set(s.missing)
    assert s.components == {"inspection": D(0)}


def test_unknown_period_is_refused(sf):
    bundle = parse_bundle(sf.bundle())
    with pytest.raises(ScoringError):
        score_unit(bundle.plan, bundle.units[0], bundle.facts["v1"], "H2")


def test_the_example_half_year():
    bundle = load_bundle(BAILIAN_BUNDLE.read_bytes())
    h1 = {s.unit: s for s in score_bundle(bundle, "H1")}
    # the example has only year results: H1 rests on the mid-year survey round alone
    assert all(s.status == "provisional" and s.grade is None and s.rank is None for s in h1.values())
    # a25 was surveyed only at year end: it has no data at all in H1
    assert {u for u, s in h1.items() if set(s.components) != {"survey", "inspection"}} == {"a25"}
    assert h1["a25"].total is None and h1["a25"].components == {"inspection": D("2.5")}
    a06 = h1["a06"]
    mid = a06.explanation.components[1].rounds
    assert [r.round for r in mid] == ["mid"]
    assert a06.total_exact == mid[0].score - a06.components["inspection"]


# --- the pure API refuses facts that were not validated -----------------------------------------


def test_score_does_not_depend_on_the_callers_decimal_context(sf):
    from decimal import ROUND_DOWN, localcontext

    doc = sf.bundle(
        targets=[{"unit": "v1", "indicator": "L1", "target": D(3)}],
        results=[sf.result("v1", "L1", actual=D(1)), sf.result("v1", "L4", points=D("1.11"))],  # 1/3
        survey_responses=[sf.response(*r) for r in SURVEY_RESPONSES],
    )
    expected = sf.score(doc)["v1"]
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 6, ROUND_DOWN
        assert sf.score(doc)["v1"].total_exact == expected.total_exact
    assert len(expected.total_exact.as_tuple().digits) > 6  # the check above can fail


@pytest.mark.parametrize(
    "facts",
    [
        UnitFacts(results=(Result("L3", "Y", True, part="completion", actual=D(1)),)),  # agencies only
        UnitFacts(results=(Result("G", "Y", True, done=True),)),  # a group node
        UnitFacts(vetoes=(Veto("x", "weather", dt.date(2026, 1, 1)),)),
        UnitFacts(responses=(SurveyResponse("r", "spring", "resident", ("satisfied",)),)),
        UnitFacts(responses=(SurveyResponse("r", "final", "tourist", ("satisfied",)),)),
        UnitFacts(responses=(SurveyResponse("r", "final", "resident", ("meh",)),)),
        UnitFacts(round_scores={"spring": RoundScore("spring", D(1), D(0))}),
    ],
)
def test_score_unit_refuses_unvalidated_facts(sf, facts):
    bundle = parse_bundle(sf.bundle())
    v1 = next(u for u in bundle.units if u.id == "v1")
    with pytest.raises(ScoringError):
        score_unit(bundle.plan, v1, facts)

"""Every rejection of scoring.md ("Rejected input") names the record by its JSON path."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jixiao.rules.bundle import load_bundle, parse_bundle
from jixiao.rules.errors import BundleError, PlanError
from jixiao.rules.plan import parse_plan

pytestmark = pytest.mark.unit


@pytest.fixture
def valid(sf) -> dict:
    """A bundle with one record of every kind, all valid."""
    return sf.bundle(
        targets=[{"unit": "v1", "indicator": "L1", "target": D(80)}],
        results=[
            sf.result("v1", "L1", actual=D(80)),  # 0
            sf.result("a1", "L3", part="completion", actual=D(50)),  # 1
            sf.result("v1", "L2", rating="A"),  # 2
            sf.result("v1", "L4", points=D(2)),  # 3
        ],
        survey_strata=[{"unit": "v1", "stratum": "elders", "weight": D("0.5")}],
        survey_responses=[
            sf.response("r1", "v1", "final", "resident", "satisfied"),  # 0
            sf.response("r2", "v1", "mid", "elders", "dissatisfied"),  # 1: a per-unit stratum
        ],
        deductions=[sf.deduction("d1", "v1", 1)],
        vetoes=[{"id": "x1", "unit": "v1", "category": "work_safety", "date": "2026-08-01"}],
    )


def test_the_valid_bundle_is_accepted(valid):
    bundle = parse_bundle(valid)
    assert len(bundle.facts["v1"].results) == 3 and len(bundle.facts["a1"].results) == 1
    assert bundle.facts["v1"].stratum_weights == {"elders": D("0.5")}


def _set(path: str, value):
    """A mutation that sets doc[path] (dotted, with [i]) to value; value DELETE removes it."""

    def mutate(doc):
        *parents, last = path.replace("[", ".").replace("]", "").split(".")
        node = doc
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return mutate


DELETE = object()

REJECTIONS = [
    # the plan
    ("plan.components.1.weight", D("0.3"), "$.plan.components", "must sum to exactly 1, not 1.1"),
    ("plan.components.0.weight", D("0.79999"), "$.plan.components", "must sum to exactly 1"),
    ("plan.grade_bands.1.min", D(95), "$.plan.grade_bands[1].min", "ordered from the highest min down"),
    ("plan.grade_bands.2.min", D(85), "$.plan.grade_bands[2].min", "ordered from the highest min down"),
    ("plan.grade_bands.3.min", D(0), "$.plan.grade_bands[3].min", "the last band must have min null"),
    ("plan.grade_bands.1.min", None, "$.plan.grade_bands[1].min", "only the last band may have min null"),
    ("indicators.1.max_points", D(0), "$.indicators[1].max_points", "must be > 0"),
    ("indicators.1.max_points", DELETE, "$.indicators[1].max_points", "needs positive max_points"),
    ("indicators.1.target", D(0), "$.indicators[1].target", "target must be > 0 for a ratio method"),
    ("indicators.3.target", D(-1), "$.indicators[3].target", "target must be > 0 for a composite method"),
    ("indicators.3.method.parts.1.weight", D("0.2"), "$.indicators[3].method.parts", "weights must sum to exactly 1"),
    ("indicators.1.parent", "X", "$.indicators[1].parent", "unknown parent indicator 'X'"),
    ("indicators.0.method", {"type": "boolean"}, "$.indicators[0].method", "is a group and has no method"),
    ("targets.0.target", D(-1), "$.targets[0].target", "target must be > 0 for the ratio method"),
    # records for unknown things
    ("results.0.unit", "zz", "$.results[0].unit", "unknown unit 'zz'"),
    ("targets.0.unit", "zz", "$.targets[0].unit", "unknown unit 'zz'"),
    # (the refused override leaves v1's response in "elders" without a weight: reported too)
    ("survey_strata.0.unit", "zz", ("$.survey_strata[0].unit", "$.survey_responses[1].stratum"), "unknown unit 'zz'"),
    ("survey_responses.0.unit", "zz", "$.survey_responses[0].unit", "unknown unit 'zz'"),
    ("deductions.0.unit", "zz", "$.deductions[0].unit", "unknown unit 'zz'"),
    ("vetoes.0.unit", "zz", "$.vetoes[0].unit", "unknown unit 'zz'"),
    ("results.0.indicator", "L9", "$.results[0].indicator", "unknown indicator 'L9'"),
    ("targets.0.indicator", "L9", "$.targets[0].indicator", "unknown indicator 'L9'"),
    ("results.1.part", "speed", "$.results[1].part", "unknown part 'speed'"),
    ("results.0.part", "speed", "$.results[0].part", "indicator 'L1' has no parts"),
    ("results.1.part", DELETE, "$.results[1].part", "is required for composite indicator 'L3'"),
    ("survey_responses.0.round", "spring", "$.survey_responses[0].round", "unknown survey round 'spring'"),
    ("survey_responses.0.stratum", "tourist", "$.survey_responses[0].stratum", "unknown stratum 'tourist'"),
    ("survey_responses.1.unit", "v2", "$.survey_responses[1].stratum", "unknown stratum 'elders' for unit 'v2'"),
    # results for group nodes and leaves that do not apply
    ("results.0.indicator", "G", "$.results[0].indicator", "is a group node, not a leaf"),
    ("results.1.unit", "v1", "$.results[1].indicator", "does not apply to unit 'v1' (kind 'village')"),
    ("targets.0.indicator", "L3", "$.targets[0].indicator", "does not apply to unit 'v1'"),
    # unknown rating or answer; manual points; deductions; vetoes
    ("results.2.rating", "Z", "$.results[2].rating", "unknown rating 'Z' for indicator 'L2'"),
    ("survey_responses.0.answers", ["satisfied", "meh"], "$.survey_responses[0].answers[1]", "unknown answer 'meh'"),
    ("results.3.points", D("5.01"), "$.results[3].points", "within [0, 5]"),
    ("results.3.points", D("-0.5"), "$.results[3].points", "within [0, 5]"),
    ("deductions.0.points", D(0), "$.deductions[0].points", "must be > 0"),
    ("deductions.0.points", D(-1), "$.deductions[0].points", "must be > 0"),
    (
        "vetoes.0.category",
        "weather",
        "$.vetoes[0].category",
        "veto category 'weather' is not in the plan's veto.categories",
    ),
    # malformed records
    ("results.0.actual", 80.0, "$.results[0].actual", "binary float"),
    ("results.0.actual", "80", "$.results[0].actual", "must be a number"),
    ("results.0.period", "Q5", "$.results[0].period", "must be one of Y, H1, Q1, Q2, Q3, Q4"),
    ("results.0.confirmed", DELETE, "$.results[0].confirmed", "is required"),
    ("results.2", "A", "$.results[2]", "must be a result object"),
    ("deductions.0.date", "2026-13-01", "$.deductions[0].date", "must be a date"),
    ("survey_responses.0.mode", "email", "$.survey_responses[0].mode", "must be one of face, phone"),
    ("units.1.id", "v1", "$.units[1].id", "duplicate unit 'v1'"),
]


@pytest.mark.parametrize(
    ("path", "value", "where", "message"), REJECTIONS, ids=[f"{r[0]}={r[1]!r}" for r in REJECTIONS]
)
def test_rejection_names_the_record(valid, path, value, where, message):
    _set(path, value)(valid)
    with pytest.raises(BundleError) as caught:
        parse_bundle(valid)
    problems = caught.value.problems
    assert [p.path for p in problems] == ([where] if isinstance(where, str) else list(where)), problems
    assert message in problems[0].message, problems[0].message


def test_every_problem_is_reported_at_once(valid):
    for path, value, *_ in (REJECTIONS[0], REJECTIONS[14], REJECTIONS[31], REJECTIONS[32], REJECTIONS[37]):
        _set(path, value)(valid)
    with pytest.raises(BundleError) as caught:
        parse_bundle(valid)
    assert [p.path for p in caught.value.problems] == [
        "$.plan.components",
        "$.results[0].unit",
        "$.results[2].rating",
        "$.survey_responses[0].answers[1]",
        "$.vetoes[0].category",
    ]


def test_a_result_needs_a_target_for_its_unit(sf):
    indicators = sf.bundle()["indicators"]
    del indicators[1]["target"]  # L1 now has only per-unit targets
    doc = sf.bundle(
        indicators=indicators,
        targets=[{"unit": "v1", "indicator": "L1", "target": D(50)}],
        results=[sf.result("v1", "L1", actual=D(50)), sf.result("v2", "L1", actual=D(50))],
    )
    with pytest.raises(BundleError) as caught:
        parse_bundle(doc)
    assert [str(p) for p in caught.value.problems] == [
        "$.results[1].indicator: no target for unit 'v2' on indicator 'L1' (ratio method)"
    ]


def test_duplicate_targets_and_strata_are_refused(sf):
    doc = sf.bundle(
        targets=[{"unit": "v1", "indicator": "L1", "target": D(50)}] * 2,
        survey_strata=[{"unit": "v1", "stratum": "resident", "weight": D(1)}] * 2,
    )
    with pytest.raises(BundleError) as caught:
        parse_bundle(doc)
    assert [p.path for p in caught.value.problems] == ["$.targets[1].indicator", "$.survey_strata[1].stratum"]


def test_parse_plan_collects_every_plan_problem(sf):
    plan = sf.bundle()["plan"]
    plan["components"][0]["weight"] = D("0.7")
    plan["grade_bands"][3]["min"] = D(0)
    plan["survey"]["rounds"][0]["period"] = "H2"
    indicators = sf.bundle()["indicators"]
    indicators[2]["method"]["ratings"]["A"] = D("1.5")
    with pytest.raises(PlanError) as caught:
        parse_plan(plan, indicators)
    assert [p.path for p in caught.value.problems] == [
        "$.plan.components",
        "$.plan.grade_bands[3].min",
        "$.plan.survey.rounds[0].period",
        "$.indicators[2].method.ratings.A",
    ]
    assert parse_plan(sf.bundle()["plan"], sf.bundle()["indicators"]).id == "t-2026"


def test_parse_plan_paths_can_be_relative_to_another_document(sf):
    plan = sf.bundle()["plan"]
    plan["veto"]["grade"] = "platinum"
    with pytest.raises(PlanError) as caught:
        parse_plan(plan, sf.bundle()["indicators"], plan_path="$", indicators_path="$.tree")
    assert [str(p) for p in caught.value.problems] == ["$.veto.grade: unknown grade 'platinum'"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"{", "invalid JSON at line 1 column 2"),
        (b'{"format": "jixiao.results/v1"}', "must be 'jixiao.bundle/v1'"),
        (
            b'{"format": "jixiao.bundle/v1", "plan": {}, "units": [], "indicators": [], "results": [{"actual": NaN}]}',
            None,
        ),
    ],
)
def test_load_bundle_refuses_bad_documents(text, message):
    with pytest.raises(BundleError) as caught:
        load_bundle(text)
    if message:
        assert message in caught.value.problems[0].message
    else:  # NaN is refused while reading the JSON, with its line and column
        assert caught.value.problems[0].message == "invalid JSON at line 1 column 98: NaN is not a number"

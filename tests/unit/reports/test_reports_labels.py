"""Labels learned from jixiao.indicators.v1, their precedence, and the per-unit score card (fakes, no servers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from jixiao.errors import JixiaoError
from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import indicators_pb2
from services.reports.domain import rules
from services.reports.domain.errors import BadIndicatorEvent, UnitUnknown
from services.reports.domain.model import (
    GradedScoreReceived,
    PeriodGradedReceived,
    PlanLabels,
    PlanPublishedReceived,
    ProvisionalScoreReceived,
    UnitScore,
    UnitUpsertedReceived,
)
from services.reports.entrypoints import views
from services.reports.entrypoints.consumer import ReportsEventHandler, to_event
from services.reports.service import handlers

pytestmark = pytest.mark.unit
T0 = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
BANDS = [
    {"grade": "excellent", "label": "优秀", "min": 90},
    {"grade": "good", "label": "良好", "min": 85},
    {"grade": "fair", "label": "一般", "min": 75},
    {"grade": "poor", "label": "较差", "min": None},
]


def plan_json(plan_id: str = "p", bands=BANDS, **plan) -> str:
    return json.dumps(
        {"plan": {"id": plan_id, "year": 2026, "grade_bands": bands, **plan}, "indicators": []}, ensure_ascii=False
    )


def published(plan_id: str = "p", version: int = 1, body: str | None = None) -> bytes:
    payload = indicators_pb2.PlanPublished(
        plan_id=plan_id, year=2026, version=version, plan_json=plan_json(plan_id) if body is None else body
    )
    return make_envelope(
        source="indicators", payload=payload, plan_id=plan_id, aggregate_id=plan_id, version=version, occurred_at=T0
    )


def upserted(unit: str, name: str, version: int, plan_id: str = "p", payload_version: int | None = None):
    payload = indicators_pb2.UnitUpserted(
        plan_id=plan_id,
        unit_id=unit,
        name=name,
        kind="village",
        group="villages",
        parent="town",
        version=version if payload_version is None else payload_version,
    )
    return make_envelope(
        source="indicators",
        payload=payload,
        plan_id=plan_id,
        unit_id=unit,
        aggregate_id=f"unit:{unit}",
        version=version,
        occurred_at=T0,
    )


def score(
    unit: str,
    total: str | None,
    grade: str | None = None,
    rank: int | None = None,
    group: str = "villages",
    status: str = "final",
    **kw,
) -> UnitScore:
    return UnitScore(unit, group, status, Decimal(total) if total is not None else None, grade, rank, **kw)


async def feed(repo, *events) -> None:
    """One batch as the consumer applies it: events, then the touched periods settled."""
    touched = {await handlers.apply_event(repo, e) for e in events} - {None}
    for key in sorted(touched):
        await handlers.settle(repo, *key)


async def feed_envelopes(repo, *envs) -> None:
    await feed(repo, *[e for e in map(to_event, envs) if e is not None])


def graded(*scores: UnitScore, version: int = 1):
    return [
        *(GradedScoreReceived("p", "Y", s, version) for s in scores),
        PeriodGradedReceived("p", "Y", version, len(scores), "office", T0),
    ]


# -- learning from the indicators events ------------------------------------------------------


async def test_plan_published_teaches_the_grade_labels_in_band_order(repo, uow):
    event = to_event(published())
    assert event == PlanPublishedReceived("p", 1, {"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "较差"})
    await feed(repo, event, *graded(score("v1", "91", "excellent", 1), score("v2", "70", "poor", 2)))
    view = await handlers.ranking_view(uow, "p", "Y")
    assert [r.grade_label for r in view.rows] == ["优秀", "较差"]
    assert view.groups[0].distribution == [
        ("excellent", "优秀", 1),
        ("good", "良好", 0),
        ("fair", "一般", 0),
        ("poor", "较差", 1),
    ]


async def test_unit_upserted_teaches_the_unit_name(repo, uow):
    event = to_event(upserted("v1", "白莲村", 1))
    assert event == UnitUpsertedReceived("p", "v1", "白莲村", 1)
    await feed(repo, event, *graded(score("v1", "91", "excellent", 1), score("v2", "80", "fair", 2)))
    rows = (await handlers.ranking_view(uow, "p", "Y")).rows
    assert [(r.unit_id, r.unit_name) for r in rows] == [("v1", "白莲村"), ("v2", "")]


async def test_a_stale_unit_version_never_overwrites_a_newer_name(repo, uow):
    await feed_envelopes(repo, upserted("v1", "白莲村（新）", 3))
    await feed_envelopes(repo, upserted("v1", "白莲村（旧）", 2), upserted("v1", "白莲村（重放）", 3))
    await feed(repo, *graded(score("v1", "91", "excellent", 1)))
    assert (await handlers.ranking_view(uow, "p", "Y")).rows[0].unit_name == "白莲村（新）"
    await feed_envelopes(repo, upserted("v1", "白莲村（更新）", 4))
    assert (await handlers.ranking_view(uow, "p", "Y")).rows[0].unit_name == "白莲村（更新）"


async def test_the_envelope_version_is_the_one_compared(repo):
    await feed_envelopes(repo, upserted("v1", "new", 5, payload_version=1))
    await feed_envelopes(repo, upserted("v1", "old", 4, payload_version=9))
    assert repo.unit_names[("p", "v1")].name == "new"


async def test_a_stale_plan_version_never_overwrites_newer_labels(repo, uow):
    renamed = plan_json(bands=[{**b, "label": b["label"] + "2"} for b in BANDS])
    await feed_envelopes(repo, published(version=2, body=renamed), published(version=1))
    await feed(repo, *graded(score("v1", "91", "excellent", 1)))
    assert (await handlers.ranking_view(uow, "p", "Y")).rows[0].grade_label == "优秀2"


async def test_an_emptied_name_falls_back_to_the_unit_id(repo, uow):
    await feed_envelopes(repo, upserted("v1", "白莲村", 1), upserted("v1", "  ", 2))
    await feed(repo, *graded(score("v1", "91", "excellent", 1)))
    assert (await handlers.ranking_view(uow, "p", "Y")).rows[0].unit_name == ""


@pytest.mark.parametrize(
    "payload",
    [
        indicators_pb2.TargetSet(plan_id="p", unit_id="v1", indicator_id="I1", target="90", version=1),
        indicators_pb2.IndicatorResultConfirmed(
            plan_id="p", unit_id="v1", indicator_id="I1", period="Y", actual="1", version=1, confirmed=True
        ),
        indicators_pb2.PeriodClosed(plan_id="p", period="Y", closed_by="office"),
    ],
)
async def test_other_indicators_events_are_acknowledged_without_work(payload):
    env = make_envelope(source="indicators", payload=payload, plan_id="p", unit_id="v1")
    assert to_event(env) is None
    await ReportsEventHandler().apply(None, env)  # no session needed: nothing is read or written


@pytest.mark.parametrize(
    "env",
    [
        published(body="{not json"),
        published(body='["plan"]'),
        published(body=json.dumps({"indicators": []})),
        published(body=plan_json("other-plan")),
        published(body=plan_json(bands={"excellent": "优"})),
        published(body=plan_json(bands=[{"label": "优"}])),
        published(body=plan_json(bands=[{"grade": "x" * 101, "label": "优"}])),
        published(body=plan_json(bands=[{"grade": "good", "label": "良" * 201}])),
        published(body=plan_json(bands=[{"grade": "good", "label": 5}])),
        published(body=plan_json(bands=[BANDS[0], BANDS[0]])),
        published(plan_id="p" * 101),
        upserted("", "白莲村", 1),
        upserted("v" * 101, "白莲村", 1),
        upserted("v1", "村" * 201, 1),
        upserted("v1", "白莲村", -1),
    ],
    ids=[
        "bad-json",
        "not-object",
        "no-plan",
        "other-plan",
        "bands-not-list",
        "band-without-grade",
        "long-code",
        "long-label",
        "label-not-text",
        "duplicate-grade",
        "long-plan-id",
        "no-unit",
        "long-unit-id",
        "long-name",
        "negative-version",
    ],
)
async def test_unreadable_indicators_events_are_poison(env):
    with pytest.raises(BadIndicatorEvent) as err:
        await ReportsEventHandler().apply(None, env)
    assert isinstance(err.value, JixiaoError)  # the kernel parks a JixiaoError, never retries it


def test_a_band_without_label_takes_the_default():
    assert rules.grades_of_plan("p", plan_json(bands=[{"grade": "good"}, {"grade": "odd", "label": ""}])) == {
        "good": "良",
        "odd": "odd",
    }


# -- precedence: explicit override > learned from events > defaults ------------------------------


def test_override_wins_and_keeps_the_plans_band_order():
    learned = PlanLabels("p", {"excellent": "优秀", "good": "良好", "poor": "较差"}, {"v1": "白莲村", "v2": "东山村"})
    override = PlanLabels("p", {"poor": "差", "extra": "另"}, {"v2": "东山村委会"})
    merged = rules.labels_in_effect("p", learned, override)
    assert list(merged.grades.items()) == [("excellent", "优秀"), ("good", "良好"), ("poor", "差"), ("extra", "另")]
    assert merged.units == {"v1": "白莲村", "v2": "东山村委会"}
    assert rules.grade_labels(merged)["fair"] == "一般"  # defaults fill the gaps
    assert rules.labels_in_effect("p", None, None) == PlanLabels("p")


async def test_put_override_wins_over_events_and_clearing_it_falls_back(repo, uow):
    await feed_envelopes(repo, published(), upserted("v1", "白莲村", 1))
    await feed(repo, *graded(score("v1", "91", "excellent", 1)))
    override, effective = await handlers.set_labels(uow, PlanLabels("p", {"excellent": "甲"}, {"v1": "白莲"}))
    assert override.grades == {"excellent": "甲"} and effective.grades["good"] == "良好"
    row = (await handlers.ranking_view(uow, "p", "Y")).rows[0]
    assert (row.unit_name, row.grade_label) == ("白莲", "甲")
    await feed_envelopes(repo, upserted("v1", "白莲村（新）", 2))  # a later event does not beat the override
    assert (await handlers.ranking_view(uow, "p", "Y")).rows[0].unit_name == "白莲"
    await handlers.set_labels(uow, PlanLabels("p"))
    row = (await handlers.ranking_view(uow, "p", "Y")).rows[0]
    assert (row.unit_name, row.grade_label) == ("白莲村（新）", "优秀")


# -- the score card -----------------------------------------------------------------------------


async def test_score_card_of_a_graded_unit(repo, uow):
    await feed_envelopes(repo, published(), upserted("v2", "东山村", 1))
    await feed(
        repo,
        *graded(
            score("v1", "91", "excellent", 1),
            score(
                "v2",
                "88.504",
                "good",
                2,
                vetoed=True,
                components={"indicators": Decimal("70.8"), "survey": Decimal("17.7")},
                survey_se=Decimal("1.54"),
                missing=("indicator:I3.7#completion",),
            ),
            score("a1", "95", "excellent", 1, group="agencies"),
        ),
    )
    card = await handlers.score_card(uow, "p", "Y", "v2")
    r = card.row
    assert (r.unit_name, r.group, r.total, r.grade, r.grade_label, r.rank, card.group_size) == (
        "东山村",
        "villages",
        Decimal("88.50"),
        "good",
        "良好",
        2,
        2,
    )
    assert (r.vetoed, r.award_eligible, r.status, card.provisional, card.snapshot_version) == (
        True,
        False,
        "final",
        False,
        1,
    )
    assert card.components == {"indicators": Decimal("70.8"), "survey": Decimal("17.7")}
    assert card.survey_se == Decimal("1.54") and card.missing == ("indicator:I3.7#completion",)


async def test_provisional_card_ranks_within_the_group_by_current_totals(repo, uow):
    await feed(
        repo,
        *(
            ProvisionalScoreReceived("p", "Q1", s, 1, T0)
            for s in (
                score("v1", "80", rank=1, status="provisional"),
                score("v2", "85", rank=1, status="provisional"),
                score("a1", "99", rank=1, group="agencies", status="provisional"),
            )
        ),
    )
    card = await handlers.score_card(uow, "p", "Q1", "v1")
    assert (card.provisional, card.row.rank, card.group_size, card.row.status) == (True, 2, 2, "provisional")


async def test_score_card_of_an_unknown_unit_or_period_is_not_found(repo, uow):
    with pytest.raises(JixiaoError) as err:
        await handlers.score_card(uow, "p", "Y", "v1")
    assert err.value.status == 404
    await feed(repo, *graded(score("v1", "91", "excellent", 1)))
    with pytest.raises(UnitUnknown, match="'v9'"):
        await handlers.score_card(uow, "p", "Y", "v9")


async def test_card_page_and_the_dashboard_links_to_it(repo, uow):
    await feed_envelopes(repo, published(), upserted("v 1", "<b>白莲村</b>", 1))
    await feed(
        repo,
        *graded(
            score(
                "v 1",
                "91",
                "excellent",
                1,
                vetoed=True,
                components={"indicators": Decimal("72.96")},
                missing=("survey",),
            )
        ),
    )
    page = views.card_html(await handlers.score_card(uow, "p", "Y", "v 1"))
    for text in (
        "&lt;b&gt;白莲村&lt;/b&gt;",
        "91.00",
        "优秀",
        "1 / 1",
        "指标考核",
        "72.96",
        "一票否决",
        "survey",
        'href="/dashboard/p/Y"',
        'href="/v1/plans/p/periods/Y/units/v%201"',
        "定级快照 第1版",
    ):
        assert text in page, text
    assert "<b>白莲村" not in page and "<script" not in page
    dashboard = views.dashboard_html(await handlers.ranking_view(uow, "p", "Y"))
    assert '<a href="/dashboard/p/Y/v%201">' in dashboard

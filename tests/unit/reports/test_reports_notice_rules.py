"""Plan info, lists, movers, the notice's hash and period, the message catalogue, charts (no servers)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from jixiao.errors import JixiaoError
from services.reports.domain import notice as notice_rules
from services.reports.domain import rules
from services.reports.domain.model import PlanLabels, Snapshot, UnitScore
from services.reports.entrypoints import charts, i18n, views
from services.reports.entrypoints.consumer import to_event
from services.reports.service import handlers

pytestmark = pytest.mark.unit
T0 = datetime(2027, 1, 20, 9, 30, tzinfo=UTC)  # a Wednesday, 17:30 in Beijing

PLAN = {
    "plan": {
        "id": "p",
        "name": "白莲镇方案",
        "groups": {"villages": "行政村", "agencies": "镇直单位"},
        "notice_days": 7,
        "components": [
            {"key": "indicators", "type": "indicators", "weight": 0.8},
            {"key": "survey", "type": "survey", "weight": 0.2},
            {"key": "inspection", "type": "penalty", "kinds": ["inspection"], "cap": 3},
        ],
        "grade_bands": [
            {"grade": "excellent", "label": "优", "min": 90},
            {"grade": "good", "label": "良", "min": 85},
            {"grade": "fair", "label": "一般", "min": 75},
            {"grade": "poor", "label": "差", "min": None},
        ],
        "awards": {"eligible_grades": ["excellent", "good"], "rewards": {"excellent": "一等奖"}},
        "veto": {"categories": ["work_safety"], "grade": None},
    }
}


def _labels() -> PlanLabels:
    text = json.dumps(PLAN)
    return PlanLabels(
        "p", rules.grades_of_plan("p", text), {"v1": "白莲村", "a1": "财政所"}, rules.plan_info_of("p", text)
    )


def _scores() -> list[UnitScore]:
    c = {"indicators": Decimal("90"), "survey": Decimal("80"), "inspection": Decimal("1.5")}
    return [
        UnitScore("v1", "villages", "final", Decimal("91.00"), "excellent", 1, vetoed=True, components=c),
        UnitScore("v2", "villages", "final", Decimal("86.00"), "good", 2, award_eligible=True, components=c),
        UnitScore("a1", "agencies", "final", Decimal("70.00"), "poor", 1, components=c),
        UnitScore("a2", "agencies", "incomplete", None, None, None, components={"indicators": Decimal("60")}),
    ]


def _view():
    return rules.build_view(
        "p",
        "Y",
        _scores(),
        provisional=False,
        labels=_labels(),
        snapshot=Snapshot(2, 4, 4, "绩效办", T0),
        vetoes={"v1": ["work_safety"]},
    )


def test_plan_info_names_groups_components_and_notice_days():
    info = rules.plan_info_of("p", json.dumps(PLAN))
    assert (info.name, info.groups, info.notice_days) == (
        "白莲镇方案",
        {"villages": "行政村", "agencies": "镇直单位"},
        7,
    )
    assert [(c.key, c.type, c.weight) for c in info.components] == [
        ("indicators", "indicators", Decimal("0.8")),
        ("survey", "survey", Decimal("0.2")),
        ("inspection", "penalty", None),
    ]
    assert (info.eligible_grades, info.rewards) == (("excellent", "good"), {"excellent": "一等奖"})
    bare = rules.plan_info_of("p", json.dumps({"plan": {"grade_bands": [], "notice_days": "x", "groups": 3}}))
    assert (bare.name, bare.groups, bare.notice_days) == ("", {}, 5)  # labels only: defaults, not poison


def test_view_uses_group_names_components_and_veto_categories():
    view = _view()
    assert [(g.group, g.name) for g in view.groups] == [("agencies", "镇直单位"), ("villages", "行政村")]
    v1 = next(r for r in view.rows if r.unit_id == "v1")
    assert (v1.veto_categories, v1.group_name, v1.components["inspection"]) == (
        ("work_safety",),
        "行政村",
        Decimal("1.5"),
    )
    assert view.plan_name == "白莲镇方案" and [c for c, _l in view.grade_order] == ["excellent", "good", "fair", "poor"]


def test_commendation_criticism_movers_and_weakest():
    view = _view()
    assert [r.unit_id for r in rules.commendation(view)] == ["v2"]  # v1 vetoed
    assert [r.unit_id for r in rules.criticism(view)] == ["a1"]  # the lowest band
    before = [
        UnitScore("v2", "villages", "final", Decimal("84.50"), "fair", 2),
        UnitScore("a1", "agencies", "final", Decimal("70.00"), "poor", 1),
    ]
    assert [(r.unit_id, old, d) for r, old, d in rules.movers(view, before)] == [
        ("v2", Decimal("84.50"), Decimal("1.50"))
    ]
    weakest = rules.weakest_components(view)
    assert [(c.key, avg) for c, avg, _n in weakest] == [("survey", Decimal("80.00")), ("indicators", Decimal("82.50"))]


def test_snapshot_hash_is_canonical_and_changes_with_any_field():
    scores = _scores()
    h = notice_rules.snapshot_hash(scores)
    assert h == notice_rules.snapshot_hash(list(reversed(scores))) and re.fullmatch(r"[0-9a-f]{64}", h)
    changed = [scores[0].__class__(**{**scores[0].__dict__, "total": Decimal("91.01")}), *scores[1:]]
    assert notice_rules.snapshot_hash(changed) != h


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (date(2027, 1, 20), 5, date(2027, 1, 26)),  # Wed → Tue (weekend skipped)
        (date(2027, 1, 23), 5, date(2027, 1, 29)),  # published on a Saturday: Mon–Fri
        (date(2027, 1, 22), 1, date(2027, 1, 22)),
    ],
)
def test_notice_period_counts_working_days(start, days, end):
    assert notice_rules.add_working_days(start, days) == end


async def test_notice_is_frozen_and_objections_follow_the_period(repo, uow):
    for s in _scores():
        await repo.add_graded(handlers.GradedScoreReceived("p", "Y", s, 2))
    from services.reports.domain.model import PeriodGradedReceived, PlanPublishedReceived

    labels = _labels()
    await repo.save_plan_grades(PlanPublishedReceived("p", 1, labels.grades, labels.info))
    await repo.add_period_graded(PeriodGradedReceived("p", "Y", 2, 4, "绩效办", T0))
    await handlers.settle(repo, "p", "Y")
    notice, objections = await handlers.notice(uow, "p", "Y")
    doc = json.loads(notice.content)
    assert (notice.snapshot_version, notice.ends_on, objections) == (2, "2027-01-28", [])  # 7 working days
    assert (
        doc["sha256"] == notice_rules.snapshot_hash(_scores())  # scoring sent no hash: reports' own, said so
        and doc["sha256_by"] == "reports"
        and doc["awards"] == ["v2"]
        and doc["criticism"] == ["a1"]
    )
    # a renamed plan later does not change the frozen notice
    await repo.save_plan_grades(PlanPublishedReceived("p", 2, labels.grades, rules.PlanInfo(name="新名字")))
    assert (await handlers.notice(uow, "p", "Y", 2))[0] == notice
    o = await handlers.file_objection(uow, "p", "Y", 2, "a1", "  有异议 ", "张三", now=T0)
    assert (o.text, o.filed_by) == ("有异议", "张三")
    answered = await handlers.answer_objection(uow, o.id, "已复核", "绩效办", now=T0)
    assert answered.answer == "已复核"
    # audited: the notice's publication (its hash and the end of its period), then the objection's life
    assert [a[1] for a in repo.audit] == ["notice.published", "objection.filed", "objection.answered"]
    assert repo.audit[0][2:4] == ("p", "p/Y/v2") and repo.audit[0][4]["ends_on"] == "2027-01-28"
    with pytest.raises(JixiaoError) as late:
        await handlers.file_objection(
            uow, "p", "Y", 2, "a1", "晚了", "李四", now=datetime(2027, 1, 28, 16, 0, tzinfo=UTC)
        )
    assert late.value.status == 409  # 29 Jan in Beijing
    with pytest.raises(JixiaoError) as unknown:
        await handlers.file_objection(uow, "p", "Y", 2, "zz", "x", "李四", now=T0)
    assert unknown.value.status == 404


async def test_the_notice_shows_scorings_own_snapshot_hash(repo, uow):
    from services.reports.domain.model import PeriodGradedReceived, PlanPublishedReceived

    scoring_hash = "ab" * 32  # what scoring's PeriodGraded says of snapshot 2
    for s in _scores():
        await repo.add_graded(handlers.GradedScoreReceived("p", "Y", s, 2))
    labels = _labels()
    await repo.save_plan_grades(PlanPublishedReceived("p", 1, labels.grades, labels.info))
    await repo.add_period_graded(PeriodGradedReceived("p", "Y", 2, 4, "绩效办", T0, scoring_hash))
    await handlers.settle(repo, "p", "Y")
    notice, _ = await handlers.notice(uow, "p", "Y")
    doc = json.loads(notice.content)
    assert (notice.sha256, doc["sha256"], doc["sha256_by"]) == (scoring_hash, scoring_hash, "scoring")
    assert scoring_hash != notice_rules.snapshot_hash(_scores())
    page = views.notice_html(notice, [], views.Ctx(i18n.Messages("zh-CN")), is_open=True, may_answer=False)
    assert f'id="notice-hash">{scoring_hash}<' in page and "snapshot_sha256" in page
    assert views.notice_html(notice, [], views.Ctx(i18n.Messages("zh-CN")), is_open=True, may_answer=False) == page


def test_catalogue_has_both_languages_with_the_same_placeholders():
    for key, (zh, en) in i18n.catalogue_keys().items():
        assert zh and en, key
        assert sorted(re.findall(r"{(\w+)}", zh)) == sorted(re.findall(r"{(\w+)}", en)), key


@pytest.mark.parametrize(
    ("query", "header", "lang"),
    [
        (None, None, "zh-CN"),
        ("en", None, "en"),
        (None, "en-US,en;q=0.9", "en"),
        ("zh-CN", "en", "zh-CN"),
        (None, "fr;q=1, en;q=0.5, zh;q=0.8", "zh-CN"),
        ("xx", "en", "en"),
    ],
)
def test_language_from_query_then_accept_language(query, header, lang):
    assert i18n.pick(query, header).lang == lang


def test_numbers_deductions_and_times_per_language():
    zh, en = i18n.Messages("zh-CN"), i18n.Messages("en")
    assert (zh.number(Decimal("1234.5")), en.number(Decimal("1234.5"))) == ("1234.50", "1,234.50")
    assert (zh.deduction(Decimal("1.5")), zh.deduction(Decimal(0))) == ("−1.50", "0.00")
    zone = views.SHANGHAI
    assert zh.time(T0, zone) == "2027-01-20 17:30（北京时间）" and en.time(T0, zone) == "2027-01-20 17:30 (Beijing)"
    assert (zh.grade("good", "良"), en.grade("good", "良")) == ("良", "Good (良)")


def test_pages_in_english_have_no_chinese_chrome_and_print_styles():
    view = _view()
    ctx = views.Ctx(i18n.Messages("en"), lang_query="en", path="/dashboard/p/Y")
    page = views.dashboard_html(view, ctx)
    assert '<html lang="en">' in page and "@media print" in page and "Indicators" in page
    assert "One-vote veto: work safety" in page and 'href="/dashboard/p/Y/v1?lang=en"' in page
    assert "名次" not in page and "总分" not in page
    zh = views.dashboard_html(view, views.Ctx(i18n.Messages("zh-CN")))
    assert "察访核验（扣分）" in zh and "−1.50" in zh and "一票否决：安全生产" in zh and "镇直单位" in zh


def test_bar_chart_is_svg_with_one_bar_per_value():
    svg = charts.bar_chart("等级分布", [("优", 3, "3"), ("<差>", 0, "0")], chart_id="g")
    assert svg.startswith("<svg") and svg.count("<rect") == 2 and 'data-value="3"' in svg
    assert "&lt;差&gt;" in svg and "<差>" not in svg


def test_veto_events_decode():
    from jixiao.messaging.envelope import make_envelope
    from jixiao.proto.events.v1 import inspections_pb2

    env = make_envelope(
        source="inspections",
        plan_id="p",
        unit_id="v1",
        version=3,
        payload=inspections_pb2.VetoIssued(
            plan_id="p", unit_id="v1", veto_id="x1", category="work_safety", date="2026-08-01"
        ),
    )
    ev = to_event(env)
    assert (ev.unit_id, ev.category, ev.date, ev.lifted, ev.version) == ("v1", "work_safety", "2026-08-01", False, 3)
    lifted = to_event(
        make_envelope(
            source="inspections",
            plan_id="p",
            unit_id="v1",
            version=4,
            payload=inspections_pb2.VetoLifted(plan_id="p", unit_id="v1", veto_id="x1"),
        )
    )
    assert (lifted.lifted, lifted.version) == (True, 4)


EXPLANATION = {
    "unit": "v1",
    "period": "Y",
    "total_exact": Decimal("90.005"),
    "components": [
        {
            "key": "indicators",
            "type": "indicators",
            "weight": Decimal("0.8"),
            "score": Decimal("93.75625"),
            "contribution": Decimal("75.005"),
            "leaves": [
                {
                    "indicator": "I1.1",
                    "part": None,
                    "method": "ratio",
                    "max_points": Decimal("6"),
                    "weight": Decimal("1"),
                    "fraction": Decimal("0.9"),
                    "points": Decimal("5.4"),
                    "input": {"actual": Decimal("9.0"), "target": 10},
                    "source": "$.results[0]",
                    "pending": False,
                    "confirmed_by": "王审核",
                    "confirmed_at": "2026-12-01T02:30:00+00:00",
                }
            ],
        },
        {
            "key": "survey",
            "type": "survey",
            "weight": Decimal("0.2"),
            "score": Decimal("80"),
            "contribution": Decimal("16"),
            "rounds": [
                {
                    "round": "mid",
                    "weight": Decimal("1"),
                    "score": Decimal("80"),
                    "se": Decimal("1.2"),
                    "strata": [
                        {
                            "stratum": "npc_deputy",
                            "n": 8,
                            "mean": Decimal("80"),
                            "sd": Decimal("3"),
                            "weight": Decimal("0.1"),
                        }
                    ],
                },
                {"round": "final", "weight": Decimal("1"), "score": Decimal("80"), "se": Decimal("0"), "strata": []},
            ],
        },
        {
            "key": "inspection",
            "type": "penalty",
            "weight": None,
            "score": Decimal("1"),
            "contribution": Decimal("-1"),
            "cap": Decimal("3"),
            "deductions": [
                {
                    "id": "d1",
                    "kind": "inspection",
                    "date": "2026-03-15",
                    "points": Decimal("1"),
                    "counted": Decimal("1"),
                    "status": "counted",
                    "source": None,
                    "aspect": "环境卫生",
                    "inspection": "insp-7",
                    "appeal": "ap1",
                    "appeal_outcome": "rejected",
                    "reason": None,
                },
                {
                    "id": "d2",
                    "kind": "inspection",
                    "date": "2026-04-01",
                    "points": Decimal("2"),
                    "counted": Decimal("0"),
                    "status": "revoked",
                    "source": None,
                    "aspect": None,
                    "inspection": None,
                    "appeal": "ap2",
                    "appeal_outcome": "granted",
                    "reason": "appeal ap2 granted: fixed",
                },
            ],
        },
    ],
    "vetoes": [{"id": "x", "category": "work_safety", "date": "2026-08-01", "counted": True}],
}


def test_card_explains_every_input_and_the_sum_adds_up_half_up():
    view = _view()
    card = rules.build_card(
        "p",
        "Y",
        _scores(),
        "v1",
        provisional=False,
        labels=_labels(),
        snapshot=Snapshot(2, 4, 4, "绩效办", T0),
        vetoes={"v1": ["work_safety"]},
    )
    page = views.card_html(
        card,
        views.Ctx(i18n.Messages("zh-CN")),
        explanation=EXPLANATION,
        indicator_names={"I1.1": "财政收入增长"},
        components=list(view.info.components),
    )
    steps = re.findall(r'class="num step" data-value="([^"]+)">([^<]+)<', page)
    assert steps == [("75.01", "+75.01"), ("16.00", "+16.00"), ("-1.00", "−1.00")]  # 75.005 → 75.01 (half-up)
    assert "90.005" in page and 'id="sum-total"><strong>91.00<' in page
    for text in (
        "<tr><td>I1.1</td><td>财政收入增长</td><td>完成比例（越高越好）</td>",
        "actual=9.0, target=10",
        "5.40 / 6.00",
        "人大代表",
        "年中",
        "外部提供的得分",
        "2026-03-15",
        "−1.00",
        "计入",
        "一票否决：安全生产",
        "标准误",
        # who confirmed the leaf and when (county time), each deduction's aspect, inspection, appeal, the cap
        '<td class="confirmed">王审核 · 2026-12-01 10:30',
        "<td>环境卫生</td><td>insp-7</td>",
        '<td class="appeal">ap1 · 申诉不成立，维持扣分</td>',
        '<td class="appeal">ap2 · 申诉成立，撤销扣分 · appeal ap2 granted: fixed</td>',
        "察访核验（上限 3.00）",
    ):
        assert text in page, text


def test_score_card_workbook_has_the_sum_leaves_and_deductions():
    import io

    from openpyxl import load_workbook

    from services.reports.adapters.xlsx import export_card_xlsx

    card = rules.build_card(
        "p", "Y", _scores(), "v1", provisional=False, labels=_labels(), snapshot=Snapshot(2, 4, 4, "绩效办", T0)
    )
    wb = load_workbook(
        io.BytesIO(export_card_xlsx(card, EXPLANATION, i18n.Messages("zh-CN").component, {"I1.1": "财政收入增长"}))
    )
    assert wb.sheetnames == ["成绩单", "指标明细", "扣分明细"] and wb["成绩单"].freeze_panes == "A2"
    rows = {r[0]: r for r in wb["成绩单"].iter_rows(min_row=2, values_only=True)}
    assert rows["察访核验（扣分）"][1:] == (-1, None, -1) and rows["总分 Total"][1] == 91
    assert next(wb["指标明细"].iter_rows(min_row=2, values_only=True))[:3] == ("I1.1", "财政收入增长", "ratio")
    assert next(wb["扣分明细"].iter_rows(min_row=2, values_only=True))[3] == -1
    leaf = next(wb["指标明细"].iter_rows(min_row=2, values_only=True))
    assert leaf[7:] == ("王审核", "2026-12-01T02:30:00+00:00")
    d1, d2 = wb["扣分明细"].iter_rows(min_row=2, values_only=True)
    assert d1[6:] == ("环境卫生", "insp-7", "ap1", "rejected", None, 3)
    assert d2[5:11] == ("revoked", None, None, "ap2", "granted", "appeal ap2 granted: fixed")


async def test_a_rescore_after_an_objection_links_the_objection_and_the_new_version(repo, uow):
    from services.reports.domain.model import PeriodGradedReceived, PlanPublishedReceived

    labels = _labels()
    await repo.save_plan_grades(PlanPublishedReceived("p", 1, labels.grades, labels.info))
    for s in _scores():
        await repo.add_graded(handlers.GradedScoreReceived("p", "Y", s, 2))
    await repo.add_period_graded(PeriodGradedReceived("p", "Y", 2, 4, "绩效办", T0, "aa" * 32))
    await handlers.settle(repo, "p", "Y")
    o = await handlers.file_objection(uow, "p", "Y", 2, "a1", "扣分有误", "张三", now=T0)
    # the office re-scores after it; scoring's PeriodGraded of version 3 names it
    for s in _scores():
        await repo.add_graded(handlers.GradedScoreReceived("p", "Y", s, 3))
    await repo.add_period_graded(PeriodGradedReceived("p", "Y", 3, 4, "绩效办", T0, "bb" * 32, (o.id,)))
    await handlers.settle(repo, "p", "Y")
    v3, _ = await handlers.notice(uow, "p", "Y", 3)
    assert json.loads(v3.content)["rescored_after_objections"] == [{"id": o.id, "version": 2, "unit": "a1"}]
    assert await handlers.rescored_in(uow, "p", "Y") == {o.id: 3}
    ctx = views.Ctx(i18n.Messages("zh-CN"))
    page3 = views.notice_html(v3, [], ctx, is_open=True, may_answer=False)
    assert f'<a href="/notice/p/Y/v2#objection-{o.id}">异议 {o.id}</a>' in page3 and "根据以下异议" in page3
    v2, objections = await handlers.notice(uow, "p", "Y", 2)
    page2 = views.notice_html(v2, objections, ctx, is_open=True, may_answer=False, rescored={o.id: 3})
    item = page2.split(f'id="objection-{o.id}"')[1].split("</li>")[0]
    assert '<a href="/notice/p/Y/v3#rescored-after">已根据此异议重新评分，见第3版公示</a>' in item
    # without a re-score naming it, the objection links nothing
    assert (
        "rescored"
        not in views.notice_html(v2, objections, ctx, is_open=True, may_answer=False)
        .split(f'id="objection-{o.id}"')[1]
        .split("</li>")[0]
    )

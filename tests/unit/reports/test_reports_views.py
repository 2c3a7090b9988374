"""Pages, the annual report, the workbook and envelope decoding (in-process, no servers)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import indicators_pb2, scores_pb2
from services.reports.adapters.xlsx import HEADER, export_xlsx, sheet_title
from services.reports.domain.errors import BadScoreEvent
from services.reports.domain.model import (
    GradedScoreReceived,
    PeriodGradedReceived,
    PeriodState,
    PlanLabels,
    ProvisionalScoreReceived,
    Snapshot,
    UnitScore,
)
from services.reports.domain.rules import build_view
from services.reports.entrypoints import views
from services.reports.entrypoints.consumer import to_event

pytestmark = pytest.mark.unit
T0 = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


@pytest.fixture
def view():
    scores = [
        UnitScore("v01", "villages", "final", Decimal("91.20"), "excellent", 1, vetoed=True),
        UnitScore("v02", "villages", "final", Decimal("88.00"), "good", 2, award_eligible=True),
        UnitScore("v03", "villages", "final", Decimal("70.10"), "poor", 3),
        UnitScore("v04", "villages", "final", Decimal("69.00"), "poor", 4),
        UnitScore("a01", "agencies", "incomplete", None, None, None),
    ]
    labels = PlanLabels("bailian-2026", units={"v01": "白莲村", "v02": "<b>东山村</b>"})
    return build_view(
        "bailian-2026", "Y", scores, provisional=False, labels=labels, snapshot=Snapshot(4, 5, 5, "绩效办", T0)
    )


def test_dashboard_html_has_tables_labels_marks_and_order(view):
    page = views.dashboard_html(view)
    assert page.startswith("<!DOCTYPE html>") and 'name="viewport"' in page and "<script" not in page
    for text in (
        "名次",
        "单位",
        "总分",
        "等级",
        "白莲村",
        "v01",
        "优",
        "良",
        "差",
        "一票否决",
        "可评先",
        "91.20",
        "定级快照 第4版",
    ):
        assert text in page
    assert "&lt;b&gt;东山村&lt;/b&gt;" in page and "<b>东山村" not in page  # escaped
    assert page.index("v01") < page.index("v02") < page.index("v03") < page.index("v04")
    assert "<li>优 1</li>" in page and "<li>差 2</li>" in page and "<li>未定级 1</li>" in page


def test_provisional_dashboard_says_so():
    v = build_view(
        "p", "Q1", [UnitScore("v1", "g", "provisional", Decimal("80"), None, None)], provisional=True, labels=None
    )
    page = views.dashboard_html(v)
    assert "暂定成绩" in page and "annual-report" not in page


def test_index_lists_periods_with_links():
    page = views.index_html([PeriodState("p 1", "Y", 3, T0), PeriodState("p 1", "Q1")])
    assert 'href="/dashboard/p%201/Y"' in page and "定级快照 第3版" in page and "暂定" in page


def test_annual_report_markdown(view):
    md = views.annual_report_md(view, T0)
    assert md.startswith("# bailian-2026 年度绩效考评报告")
    assert "- 定级快照 Snapshot: v4" in md and "2027-01-15 16:00:00 CST" in md and "?snapshot=4" in md
    assert "| 单位数 | 1 | 1 | 0 | 2 |" in md  # 优 良 一般 差
    assert "| 1 | 白莲村（v01）（一票否决） | 91.20 | 优 |" in md
    assert "v04" not in md.split("## 二")[1].split("## 三")[0]  # top 3 only
    vetoed = md.split("## 三")[1].split("## 四")[0]
    assert "白莲村（v01）" in vetoed and "v02" not in vetoed
    not_eligible = md.split("## 四")[1]
    assert "v01" in not_eligible and "v03" in not_eligible and "a01" in not_eligible and "v02" not in not_eligible
    assert "\\<b\\>东山村\\</b\\>" in md


def test_xlsx_one_sheet_per_group_bilingual_header(view):
    wb = load_workbook(io.BytesIO(export_xlsx(view)))
    assert wb.sheetnames == ["agencies", "villages"]
    ws = wb["villages"]
    assert [c.value for c in ws[1]] == HEADER
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["v01", "v02", "v03", "v04"]
    assert rows[0][:7] == (1, "v01", "白莲村", 91.2, "excellent", "优", "是")
    assert wb["agencies"].cell(2, 4).value is None


def test_sheet_titles_are_valid_and_unique():
    used: set[str] = set()
    assert sheet_title("a/b:c", used) == "a_b_c"
    long = "x" * 40
    assert sheet_title(long, used) == "x" * 31
    assert sheet_title(long, used) == "x" * 27 + " (2)"


def _env(payload):
    return make_envelope(source="scoring", payload=payload, plan_id="p", unit_id="v1", occurred_at=T0)


def test_envelopes_decode_to_domain_events():
    score = scores_pb2.UnitScore(
        unit_id="v1",
        group="villages",
        status="final",
        total="89.99",
        grade="good",
        rank=2,
        components={"survey": "88.18"},
        survey_se="",
    )
    ev = to_event(_env(scores_pb2.UnitScoreUpdated(plan_id="p", period="Q1", score=score, version=7)))
    assert isinstance(ev, ProvisionalScoreReceived) and ev.version == 7 and ev.occurred_at == T0
    assert ev.score.total == Decimal("89.99") and ev.score.survey_se is None
    assert ev.score.components == {"survey": Decimal("88.18")}
    ev = to_event(_env(scores_pb2.UnitScoreGraded(plan_id="p", period="Y", score=score, snapshot_version=3)))
    assert isinstance(ev, GradedScoreReceived) and ev.snapshot_version == 3 and ev.score.rank == 2
    ev = to_event(
        _env(scores_pb2.PeriodGraded(plan_id="p", period="Y", snapshot_version=3, units=40, closed_by="office"))
    )
    assert isinstance(ev, PeriodGradedReceived) and ev.units == 40
    assert to_event(_env(indicators_pb2.TargetSet(plan_id="p", unit_id="v1"))) is None


@pytest.mark.parametrize(
    "bad",
    [
        scores_pb2.UnitScoreGraded(plan_id="p", period="Y", score=scores_pb2.UnitScore(unit_id="v1", total="x")),
        scores_pb2.UnitScoreGraded(plan_id="p", period="", score=scores_pb2.UnitScore(unit_id="v1")),
        scores_pb2.UnitScoreGraded(plan_id="p", period="Y", score=scores_pb2.UnitScore(unit_id="")),
        scores_pb2.UnitScoreGraded(plan_id="p", period="Y", score=scores_pb2.UnitScore(unit_id="v1", total="1e13")),
        scores_pb2.PeriodGraded(plan_id="p", period="Y" * 21, snapshot_version=1),
    ],
)
def test_malformed_score_events_are_poison(bad):
    with pytest.raises(BadScoreEvent):
        to_event(_env(bad))

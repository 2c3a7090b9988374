"""What leaders and the public see, on a real PostgreSQL: names from the plan, component scores beside
the total, veto categories, the language switch, SVG charts, the public notice (公示) with objections,
the commendation and criticism lists, the formatted workbooks and the PDF annual report."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from aiokafka.structs import ConsumerRecord
from openpyxl import load_workbook

from jixiao.audit import verify_rows
from jixiao.messaging.envelope import make_envelope
from jixiao.messaging.inbox import BatchApplier
from jixiao.migrations import migrate
from jixiao.proto.events.v1 import indicators_pb2, inspections_pb2, people_pb2, scores_pb2
from jixiao.rules import exactjson
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.reports.adapters.orm import audit, audit_chain, tables
from services.reports.app import create_app
from services.reports.entrypoints.consumer import make_handler

from .score_events import golden_units, township_bundle, unit_names, unit_score

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data"
PLAN = "bailian-2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")
GROUPS = {"villages": "行政村（社区）", "agencies": "镇直单位"}
PLAN_NAME = "白莲镇2026年度政府绩效管理实施方案"
LABELS = {"excellent": "优", "good": "良", "fair": "一般", "poor": "差"}


def graded(u: dict, snapshot: int, period: str = "Y", **override) -> bytes:
    return make_envelope(
        source="scoring",
        plan_id=PLAN,
        unit_id=u["unit"],
        payload=scores_pb2.UnitScoreGraded(
            plan_id=PLAN, period=period, snapshot_version=snapshot, score=unit_score(u, **override)
        ),
    ).SerializeToString()


def closed(
    snapshot: int, units: int, at: datetime, period: str = "Y", sha256: str = "", objections: tuple[str, ...] = ()
) -> bytes:
    return make_envelope(
        source="scoring",
        plan_id=PLAN,
        occurred_at=at,
        payload=scores_pb2.PeriodGraded(
            plan_id=PLAN,
            period=period,
            snapshot_version=snapshot,
            units=units,
            closed_by="白莲镇绩效办",
            snapshot_sha256=sha256,
            objection_ids=list(objections),
        ),
    ).SerializeToString()


def plan_published() -> bytes:
    bundle = township_bundle()
    plan = {
        **bundle["plan"],
        "groups": GROUPS,
        "notice_days": 5,
        "awards": {**bundle["plan"]["awards"], "rewards": {"excellent": "一等奖", "good": "二等奖"}},
    }
    body = exactjson.dumps({"plan": plan, "indicators": bundle["indicators"]})
    return make_envelope(
        source="indicators",
        plan_id=PLAN,
        aggregate_id=PLAN,
        version=1,
        payload=indicators_pb2.PlanPublished(plan_id=PLAN, year=2026, version=1, plan_json=body),
    ).SerializeToString()


def unit_upserted(unit: str, name: str) -> bytes:
    return make_envelope(
        source="indicators",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=f"unit:{unit}",
        version=1,
        payload=indicators_pb2.UnitUpserted(plan_id=PLAN, unit_id=unit, name=name, version=1),
    ).SerializeToString()


def veto(unit: str, category: str, veto_id: str) -> bytes:
    return make_envelope(
        source="inspections",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=veto_id,
        version=1,
        payload=inspections_pb2.VetoIssued(
            plan_id=PLAN, unit_id=unit, veto_id=veto_id, category=category, date="2026-08-01", version=1
        ),
    ).SerializeToString()


class Harness:
    def __init__(self, app, http: httpx.AsyncClient) -> None:
        self.app, self.http, self.offset = app, http, 0
        runtime = app.state.runtime
        self.applier = BatchApplier(runtime.db, tables, make_handler(runtime), runtime.metrics)

    async def feed(self, *values: bytes, topic: str = "jixiao.scores.v1") -> dict[str, int]:
        records = []
        for value in values:
            records.append(
                ConsumerRecord(
                    topic=topic,
                    partition=0,
                    offset=self.offset,
                    timestamp=0,
                    timestamp_type=0,
                    key=None,
                    value=value,
                    checksum=None,
                    serialized_key_size=0,
                    serialized_value_size=len(value),
                    headers=(),
                )
            )
            self.offset += 1
        return await self.applier.apply(records)

    async def page(self, path: str, **kw) -> str:
        r = await self.http.get(path, **kw)
        assert r.status_code == 200, (path, r.status_code, r.text[:500])
        return r.text


@pytest.fixture
async def svc(database_url) -> AsyncIterator[Harness]:
    app = create_app(
        ServiceSettings(service="reports", grpc_port=0, migrate_on_start=True),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:9", kafka_partitions=4),
    )
    await migrate(database_url, "reports")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://reports") as http:
        h = Harness(app, http)
        await h.feed(
            plan_published(), *[unit_upserted(u, n) for u, n in unit_names().items()], topic="jixiao.indicators.v1"
        )
        await h.feed(
            veto("v10", "work_safety", "veto-1"), veto("a07", "environment", "veto-2"), topic="jixiao.inspections.v1"
        )
        yield h
    await app.state.runtime.db.dispose()


NOW = datetime.now(UTC).replace(microsecond=0)


def scoring_hash(units: list[dict], period: str = "Y") -> str:
    """What scoring's PeriodGraded says of a snapshot: SHA-256 of its jixiao.results/v1 document."""
    doc = {"format": "jixiao.results/v1", "plan": PLAN, "period": period, "units": units}
    return hashlib.sha256(exactjson.dumps(doc).encode()).hexdigest()


async def _graded(svc: Harness, version: int = 1, at: datetime = NOW, period: str = "Y", **override) -> list[dict]:
    units = golden_units()
    shown = [{**u, **override.get(u["unit"], {})} for u in units]
    await svc.feed(
        *[graded(u, version, period, **override.get(u["unit"], {})) for u in units],
        closed(version, len(units), at, period, scoring_hash(shown, period)),
    )
    return units


# -- (1) names, components, deductions, vetoes, time zone, print, language; (2) charts -----------------


async def test_dashboard_names_components_vetoes_charts_and_language(svc):
    units, names = await _graded(svc), unit_names()
    page = await svc.page(f"/dashboard/{PLAN}/Y")
    assert PLAN_NAME in page and f"<h2>{GROUPS['villages']}" in page and f"<h2>{GROUPS['agencies']}" in page
    assert "<h2>villages" not in page and "<h2>agencies" not in page
    for name in names.values():
        assert name in page, name
    for head in ("指标考核", "公众评议", "察访核验（扣分）", "总分", "等级"):
        assert f">{head}</th>" in page, head
    # a01: indicators 81.69, survey 88.18, 1.00 deducted → shown as −1.00 beside the total 81.99
    a01 = page[page.index('<span class="uid">a01</span>') :].split("</tr>")[0]
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', a01)[:3] == ["81.69", "88.18", "−1.00"]
    assert "<strong>81.99</strong>" in a01
    # the veto's category beside the vetoed unit's rank
    v10 = page[: page.index('<span class="uid">v10</span>')].rsplit("<tr", 1)[1]
    assert '>1<span class="tag veto">一票否决：安全生产</span>' in v10
    # times in the county's zone; print stylesheet; charts as inline SVG with data
    local = NOW.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert f"{local}（北京时间）" in page and "@media print" in page and "<script" not in page
    grade_svg = re.search(r'<svg[^>]*id="grade-chart".*?</svg>', page, re.S).group(0)
    counts = {u["grade"]: 0 for u in units}
    for u in units:
        counts[u["grade"]] += 1
    assert re.findall(r'data-label="([^"]+)" data-value="(\d+)"', grade_svg) == [
        (LABELS[g], str(counts.get(g, 0))) for g in ("excellent", "good", "fair", "poor")
    ]
    comp_svg = re.search(r'<svg[^>]*id="component-chart".*?</svg>', page, re.S).group(0)
    mean = sum(u["components"]["indicators"] for u in units) / len(units)
    assert f'data-label="指标考核" data-value="{mean.quantize(Decimal("0.01"))}"' in comp_svg
    # links: notice, lists, xlsx, the PDF
    for href in (
        f"/notice/{PLAN}/Y",
        f"/lists/{PLAN}/Y/commendation",
        f"/lists/{PLAN}/Y/criticism",
        f"/v1/plans/{PLAN}/periods/Y/export.xlsx",
    ):
        assert f'href="{href}' in page, href
    assert re.search(r'href="[^"]+\.pdf"', page)

    # English: by ?lang=en (carried along in links) and by Accept-Language
    en = await svc.page(f"/dashboard/{PLAN}/Y", params={"lang": "en"})
    assert '<html lang="en">' in en and "performance ranking" in en and "Public survey" in en
    assert "Inspections (deduction)" in en and "One-vote veto: work safety" in en and "(Beijing)" in en
    assert f'href="/dashboard/{PLAN}/Y/v01?lang=en"' in en and "名次" not in en
    assert '<html lang="en">' in await svc.page(f"/dashboard/{PLAN}/Y", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="zh-CN">' in await svc.page(
        f"/dashboard/{PLAN}/Y", params={"lang": "zh-CN"}, headers={"Accept-Language": "en"}
    )
    card = await svc.page(f"/dashboard/{PLAN}/Y/a01", params={"lang": "en"})
    assert "standard error" in card and "−1.00" in card and '<html lang="en">' in card
    assert "标准误" in await svc.page(f"/dashboard/{PLAN}/Y/a01")

    rows = {r["unit"]: r for r in (await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/rankings")).json()["rankings"]}
    assert (rows["v10"]["group_name"], rows["v10"]["veto_categories"]) == (GROUPS["villages"], ["work_safety"])


# -- (3) the public notice and objections ----------------------------------------------------------


def _expected_hash(units: list[dict]) -> str:
    """SHA-256 of the graded rows as canonical JSON, computed here from the results file, not by the service."""

    def two(v):
        return None if v is None else f"{Decimal(str(v)):.2f}"

    rows = [
        {
            "unit": u["unit"],
            "group": u["group"],
            "status": u["status"],
            "total": two(u["total"]),
            "grade": u["grade"],
            "rank": u["rank"],
            "vetoed": u["vetoed"],
            "award_eligible": u["award_eligible"],
            "components": {k: two(v) for k, v in u["components"].items()},
            "survey_se": two(u.get("survey_se")),
            "missing": sorted(u["missing"]),
        }
        for u in sorted(units, key=lambda u: u["unit"])
    ]
    text = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


async def test_notice_is_frozen_per_version_and_takes_objections(svc):
    units, names = await _graded(svc), unit_names()
    r1 = await svc.http.get(f"/notice/{PLAN}/Y/v1")
    # the notice's hash is scoring's own snapshot_sha256 (not one reports computes), so the two compare
    assert r1.status_code == 200 and r1.headers["x-snapshot-sha256"] == scoring_hash(units) != _expected_hash(units)
    latest = await svc.http.get(f"/notice/{PLAN}/Y")
    assert latest.content == r1.content
    notice = r1.text
    assert PLAN_NAME in notice and scoring_hash(units) in notice and "公示期" in notice and "@media print" in notice
    for name in names.values():
        assert name in notice, name
    assert "一票否决：安全生产" in notice and "一等奖" in notice
    awards = notice.split("表彰名单")[1].split("</section>")[0]
    assert names["a06"] in awards and names["a07"] not in awards  # a07 is vetoed
    assert "收到异议 0 件，已答复 0 件" in notice

    # a later correction: a new version with its own notice; the old one stays byte for byte
    corrected = await _graded(svc, 2, a01={"total": Decimal("82.50")})
    again = await svc.http.get(f"/notice/{PLAN}/Y/v1")
    assert again.content == r1.content
    r2 = await svc.http.get(f"/notice/{PLAN}/Y")
    assert r2.headers["x-snapshot-version"] == "2"
    assert (
        r2.headers["x-snapshot-sha256"]
        == scoring_hash([{**u, "total": Decimal("82.50")} if u["unit"] == "a01" else u for u in corrected])
        != scoring_hash(units)
    )
    assert f'href="/notice/{PLAN}/Y/v1"' in await svc.page(f"/dashboard/{PLAN}/Y")

    # objections: JSON and the page's form, answered by the office, counted, audited
    r = await svc.http.post(
        f"/v1/plans/{PLAN}/periods/Y/notices/2/objections",
        json={"unit": "a01", "text": "对察访核验扣分有异议", "filed_by": "王五"},
    )
    assert r.status_code == 201, r.text
    first = r.json()
    r = await svc.http.post(
        f"/notice/{PLAN}/Y/v2/objections", data={"unit": "v10", "text": "否决事项已整改"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith(f"/notice/{PLAN}/Y/v2")
    r = await svc.http.post(f"/v1/objections/{first['id']}/answer", json={"answer": "经复核，扣分属实。"})
    assert r.status_code == 200 and r.json()["answer"] == "经复核，扣分属实。"
    page = await svc.page(f"/notice/{PLAN}/Y/v2")
    assert "收到异议 2 件，已答复 1 件" in page and "对察访核验扣分有异议" in page and "经复核，扣分属实。" in page
    body = (await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/notices/2")).json()
    assert (body["objections_filed"], body["objections_answered"], body["open"]) == (2, 1, True)
    async with svc.app.state.runtime.db.transaction() as session:
        trail = (
            await session.execute(sa.select(audit.c.action, audit.c.actor, audit.c.object_id).order_by(audit.c.id))
        ).all()
    objection_rows = [(a, o) for a, _who, o in trail if a.startswith("objection.")]
    assert objection_rows[0] == ("objection.filed", first["id"])
    assert [a for a, _o in objection_rows] == ["objection.filed", "objection.filed", "objection.answered"]
    assert [o for a, _w, o in trail if a == "notice.published"] == [f"{PLAN}/Y/v1", f"{PLAN}/Y/v2"]
    # the same changes on reports' hash chain, intact; a label override too; an edit breaks it at that row
    r = await svc.http.put(f"/v1/plans/{PLAN}/labels", json={"grades": {"excellent": "优秀"}, "units": {}})
    assert r.status_code == 200, r.text
    async with svc.app.state.runtime.db.transaction() as session:
        chain = [
            dict(row._mapping) for row in await session.execute(sa.select(audit_chain).order_by(audit_chain.c.seq))
        ]
    assert [c["action"] for c in chain] == [a for a, _w, _o in trail] + ["labels.set"]
    assert verify_rows(chain) is None and chain[-1]["entity_id"] == PLAN
    tampered = [dict(c) for c in chain]
    tampered[2]["after"] = tampered[2]["after"].replace("对察访核验扣分有异议", "无异议")
    assert verify_rows(tampered).seq == chain[2]["seq"]
    bad = await svc.http.post(f"/v1/plans/{PLAN}/periods/Y/notices/2/objections", json={"unit": "zz", "text": "x"})
    assert bad.status_code == 404

    # the correction that follows an objection links back to it
    await _graded(svc, 3, a01={"total": Decimal("83.00")})
    v3 = await svc.page(f"/notice/{PLAN}/Y")
    assert (
        "此前版本收到的异议" in v3
        and "对察访核验扣分有异议" in v3
        and f"/notice/{PLAN}/Y/v2#objection-{first['id']}" in v3
    )

    # a notice whose period ended takes no more objections
    await _graded(svc, 1, at=datetime(2026, 4, 1, 2, 0, tzinfo=UTC), period="Q1")
    r = await svc.http.post(f"/v1/plans/{PLAN}/periods/Q1/notices/1/objections", json={"unit": "a01", "text": "晚了"})
    assert r.status_code == 409 and "2026-04-07" in r.json()["detail"]  # Wed 1 Apr + 5 working days


# -- (4) the lists and the workbooks ------------------------------------------------------------------


async def test_lists_and_formatted_workbooks(svc):
    units, names = await _graded(svc), unit_names()
    commend = await svc.page(f"/lists/{PLAN}/Y/commendation")
    eligible = [u for u in units if u["award_eligible"] and u["grade"] in ("excellent", "good")]
    for u in units:
        assert (names[u["unit"]] in commend) == (u in eligible), u["unit"]
    criticism = await svc.page(f"/lists/{PLAN}/Y/criticism")
    for u in units:
        assert (f'<span class="uid">{u["unit"]}</span>' in criticism) == (u["grade"] == "poor"), u["unit"]

    r = await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/lists/commendation.xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["通报表彰"]
    assert ws.freeze_panes == "B2" and ws.cell(1, 1).font.bold
    assert sorted(row[0] for row in ws.iter_rows(min_row=2, values_only=True)) == sorted(u["unit"] for u in eligible)
    wb = load_workbook(io.BytesIO((await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/export.xlsx")).content))
    assert wb.sheetnames == [GROUPS["agencies"], GROUPS["villages"]]
    ws = wb[GROUPS["agencies"]]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "C2" and all(c.font.bold for c in ws[1])
    a01 = dict(zip(header, next(ws.iter_rows(min_row=2, values_only=True)), strict=True))
    row = {c.column: c for c in ws[2]}
    deduction_col = header.index("察访核验（扣分）") + 1
    total_col = header.index("总分 Total") + 1
    assert row[total_col].number_format == "0.00" and row[deduction_col].value <= 0
    assert a01["单位 Unit"] == "a06"  # rank 1 first
    card = await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/units/a01/card.xlsx")
    assert card.status_code == 200
    assert load_workbook(io.BytesIO(card.content)).sheetnames == ["成绩单"]  # no scoring here: no explanation


async def test_a_rescore_after_an_objection_is_linked_both_ways(svc):
    units = await _graded(svc)
    r = await svc.http.post(
        f"/v1/plans/{PLAN}/periods/Y/notices/1/objections", json={"unit": "a01", "text": "扣分有误", "filed_by": "王五"}
    )
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.json()["rescored_in"] is None
    # scoring re-scored after it: its PeriodGraded of version 2 names the objection
    await svc.feed(*[graded(u, 2) for u in units], closed(2, len(units), NOW, "Y", scoring_hash(units), (oid,)))
    v2 = await svc.page(f"/notice/{PLAN}/Y/v2")
    assert f'href="/notice/{PLAN}/Y/v1#objection-{oid}"' in v2 and 'id="rescored-after"' in v2
    assert (await svc.http.get(f"/notice/{PLAN}/Y/v2")).content == v2.encode()  # frozen
    notice = (await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/notices/1")).json()
    assert [(o["id"], o["rescored_in"]) for o in notice["objections"]] == [(oid, 2)]
    assert notice["content"].get("rescored_after_objections", []) == []
    v1 = await svc.page(f"/notice/{PLAN}/Y/v1")
    item = v1.split(f'id="objection-{oid}"')[1].split("</li>")[0]
    assert f'href="/notice/{PLAN}/Y/v2#rescored-after"' in item and "第2版" in item
    content = (await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/notices/2")).json()["content"]
    assert content["rescored_after_objections"] == [{"id": oid, "version": 1, "unit": "a01"}]


def person(sid: str, unit: str, name: str, eligible: bool, reasons=(), version: int = 1, **kw) -> bytes:
    """scoring's PersonEligibilityGraded (评优资格) of one person in snapshot `version`."""
    return make_envelope(
        source="scoring",
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=f"{PLAN}:Y:{sid}",
        version=version,
        payload=people_pb2.PersonEligibilityGraded(
            plan_id=PLAN,
            period="Y",
            snapshot_version=version,
            unit_id=unit,
            staff_id=sid,
            name=name,
            eligible=eligible,
            reasons=[people_pb2.EligibilityReason(code=c, label=lb) for c, lb in reasons],
            **kw,
        ),
    ).SerializeToString()


async def test_the_lists_name_the_persons_of_their_units(svc):
    await _graded(svc)
    # before any staff: units only
    assert 'id="commendation-persons"' not in await svc.page(f"/lists/{PLAN}/Y/commendation")
    lost = [("failing_unit_leader", "科室考核不合格,科室领导不得评优")]
    await svc.feed(
        person("s1", "a06", "张明", True, position="站长", unit_grade="excellent"),  # commended unit, eligible
        person("s2", "a06", "李华", False, [("leave_cumulative", "事、病假累计超过规定天数")], unit_grade="excellent"),
        person("s3", "a07", "王强", True, unit_grade="excellent"),  # a07 is vetoed: not on the list
        person("s4", "a18", "赵静", False, lost, position="所长", unit_grade="poor"),  # criticized, lost it
        person("s5", "a18", "钱伟", True, unit_grade="poor"),  # criticized unit, still eligible: not named
        person("s6", "a01", "孙丽", False, lost, unit_grade="fair"),  # neither list
    )
    commend = await svc.page(f"/lists/{PLAN}/Y/commendation")
    persons = commend.split('id="commendation-persons"')[1]
    assert "表彰人员" in commend and "张明" in persons and "站长" in persons
    assert not any(n in persons for n in ("李华", "王强", "赵静", "钱伟", "孙丽"))
    criticism = (await svc.page(f"/lists/{PLAN}/Y/criticism")).split('id="criticism-persons"')[1]
    assert "赵静" in criticism and "科室考核不合格,科室领导不得评优" in criticism
    assert not any(n in criticism for n in ("张明", "钱伟", "孙丽"))

    wb = load_workbook(io.BytesIO((await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/lists/commendation.xlsx")).content))
    assert wb.sheetnames == ["通报表彰", "表彰人员"] and wb["表彰人员"].freeze_panes == "B2"
    assert [r[:6] for r in wb["表彰人员"].iter_rows(min_row=2, values_only=True)] == [
        ("a06", unit_names()["a06"], "s1", "张明", "站长", "优")
    ]
    wb = load_workbook(io.BytesIO((await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/lists/criticism.xlsx")).content))
    assert [(r[0], r[3], r[6]) for r in wb["批评人员"].iter_rows(min_row=2, values_only=True)] == [
        ("a18", "赵静", "科室考核不合格,科室领导不得评优")
    ]


# -- (5) the annual report as HTML and PDF ------------------------------------------------------------


async def test_annual_report_html_and_pdf_with_chinese_text(svc, pdf_font):
    from pypdf import PdfReader

    units, names = await _graded(svc), unit_names()
    html = await svc.page(f"/reports/{PLAN}/Y/annual-report")
    for text in (
        "一、总体情况",
        "二、等级分布",
        'id="grade-chart"',
        "三、分组排名",
        "四、一票否决",
        "五、表彰与批评",
        "六、改进方向",
        scoring_hash(units),  # the notice's hash: scoring's own
    ):
        assert text in html, text
    dashboard = await svc.page(f"/dashboard/{PLAN}/Y")
    pdf_link = re.search(r'href="([^"]+\.pdf)"', dashboard).group(1)
    r = await svc.http.get(pdf_link)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    flat = re.sub(r"\s+", "", text)
    for u in units:
        row = re.search(re.escape(names[u["unit"]]) + r"[^\n]*", text)
        assert row, names[u["unit"]]
        assert LABELS[u["grade"]] in row.group(0), (names[u["unit"]], row.group(0))
    assert "绩效评估工作报告" in flat and pdf_font

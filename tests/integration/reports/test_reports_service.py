"""The reports service on a real PostgreSQL: score and indicators envelopes through the kernel's
BatchApplier, then the JSON rankings, score cards, dashboard pages, workbook and annual report over HTTP."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from openpyxl import load_workbook

from jixiao.messaging.envelope import make_envelope
from jixiao.messaging.inbox import BatchApplier
from jixiao.messaging.topics import INDICATORS, SCORES, ensure_topics
from jixiao.migrations import migrate
from jixiao.proto.events.v1 import indicators_pb2, scores_pb2
from jixiao.rules import exactjson
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.reports.adapters.orm import tables
from services.reports.app import create_app
from services.reports.entrypoints.consumer import make_handler

from .score_events import golden_units, township_bundle, unit_names, unit_score

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data"
PLAN = "bailian-2026"
GRADED_AT = datetime(2027, 1, 20, 9, 30, tzinfo=UTC)


# -- envelopes ----------------------------------------------------------------------------------


def _env(payload, unit: str = "", plan: str = PLAN, at: datetime | None = None) -> bytes:
    return make_envelope(
        source="scoring", payload=payload, plan_id=plan, unit_id=unit, occurred_at=at
    ).SerializeToString()


def provisional(u: dict, version: int, period: str = "Y", plan: str = PLAN, **override) -> bytes:
    return _env(
        scores_pb2.UnitScoreUpdated(
            plan_id=plan, period=period, version=version, score=unit_score(u, status="provisional", **override)
        ),
        u["unit"],
        plan,
    )


def graded(u: dict, snapshot: int, period: str = "Y", plan: str = PLAN, **override) -> bytes:
    return _env(
        scores_pb2.UnitScoreGraded(
            plan_id=plan, period=period, snapshot_version=snapshot, score=unit_score(u, **override)
        ),
        u["unit"],
        plan,
    )


def closed(snapshot: int, units: int, period: str = "Y", plan: str = PLAN) -> bytes:
    return _env(
        scores_pb2.PeriodGraded(
            plan_id=plan, period=period, snapshot_version=snapshot, units=units, closed_by="白莲镇绩效办"
        ),
        plan=plan,
        at=GRADED_AT,
    )


# Labels the bundle does not use, so a page showing them learned them from the PlanPublished.
LEARNED = {"excellent": "优秀", "good": "良好", "fair": "中等", "poor": "较差"}


def plan_published(version: int = 1, plan: str = PLAN, body: str | None = None) -> bytes:
    """A PlanPublished as the indicators service writes it ({"plan", "indicators"}), labels LEARNED."""
    bundle = township_bundle()
    bands = [{**b, "label": LEARNED[b["grade"]]} for b in bundle["plan"]["grade_bands"]]
    body = (
        exactjson.dumps(
            {"plan": {**bundle["plan"], "id": plan, "grade_bands": bands}, "indicators": bundle["indicators"]}
        )
        if body is None
        else body
    )
    return make_envelope(
        source="indicators",
        plan_id=plan,
        aggregate_id=plan,
        version=version,
        payload=indicators_pb2.PlanPublished(plan_id=plan, year=2026, version=version, plan_json=body),
    ).SerializeToString()


def unit_upserted(unit: str, name: str, version: int = 1, plan: str = PLAN) -> bytes:
    payload = indicators_pb2.UnitUpserted(
        plan_id=plan, unit_id=unit, name=name, kind="village", group="villages", parent="town", version=version
    )
    return make_envelope(
        source="indicators", payload=payload, plan_id=plan, unit_id=unit, aggregate_id=f"unit:{unit}", version=version
    ).SerializeToString()


def indicators_event(payload) -> bytes:
    return make_envelope(source="indicators", payload=payload, plan_id=PLAN, unit_id="v01").SerializeToString()


# -- the service -----------------------------------------------------------------------------------


class Harness:
    """The app (without its Kafka consumer) and the consumer's BatchApplier on the same database."""

    def __init__(self, app, http: httpx.AsyncClient) -> None:
        self.app = app
        self.http = http
        runtime = app.state.runtime
        self.applier = BatchApplier(runtime.db, tables, make_handler(runtime), runtime.metrics)
        self.offset = 0

    async def feed(self, *values: bytes, topic: str = SCORES) -> dict[str, int]:
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

    async def rankings(self, period: str = "Y", **params) -> dict:
        r = await self.http.get(f"/v1/plans/{PLAN}/periods/{period}/rankings", params=params)
        assert r.status_code == 200, r.text
        return r.json()


def _settings(database_url: str, bootstrap: str = "127.0.0.1:9"):
    return (
        ServiceSettings(service="reports", grpc_port=0, migrate_on_start=True),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=bootstrap, kafka_partitions=4),
    )


@pytest.fixture
async def svc(database_url) -> AsyncIterator[Harness]:
    # The consumer is exercised once, in test_consumes_from_the_broker; here events go straight
    # through the BatchApplier it would use, so no test waits ~5 s for a consumer-group join.
    app = create_app(*_settings(database_url))
    await migrate(database_url, "reports")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://reports") as http:
        yield Harness(app, http)
    await app.state.runtime.db.dispose()


# -- tests ---------------------------------------------------------------------------------------------


async def test_provisional_then_graded_rankings(svc):
    units = golden_units()
    assert (await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/rankings")).status_code == 404

    await svc.feed(*[provisional(u, version=1) for u in units])
    a01 = next(u for u in units if u["unit"] == "a01")
    assert (await svc.feed(provisional(a01, 3, total=Decimal("99.50")), provisional(a01, 2, total="1")))["applied"] == 2
    body = await svc.rankings()
    assert body["provisional"] is True and body["snapshot_version"] is None
    first = body["rankings"][0]
    assert (first["unit"], first["total"], first["rank"], first["status"]) == ("a01", "99.50", 1, "provisional")

    # snapshot 1 arrives in pieces: header first, then the rows in two batches
    await svc.feed(closed(1, len(units)))
    await svc.feed(*[graded(u, 1) for u in units[:20]])
    assert (await svc.rankings())["provisional"] is True  # incomplete: still provisional
    outcome = await svc.feed(*[graded(u, 1) for u in units[20:]])
    assert outcome == {"applied": len(units) - 20, "duplicate": 0, "parked": 0}

    body = await svc.rankings()
    assert body["provisional"] is False and body["snapshot_version"] == 1
    assert body["closed_by"] == "白莲镇绩效办" and body["graded_at"].startswith("2027-01-20T09:30")
    rows = body["rankings"]
    assert len(rows) == len(units)
    expected = {u["unit"]: u for u in units}
    for row in rows:
        u = expected[row["unit"]]
        assert Decimal(row["total"]) == u["total"] and row["rank"] == u["rank"]
        assert (row["grade"], row["vetoed"], row["award_eligible"], row["group"], row["status"]) == (
            u["grade"],
            u["vetoed"],
            u["award_eligible"],
            u["group"],
            "final",
        )
    villages = (await svc.rankings(group="villages"))["rankings"]
    assert [r["unit"] for r in villages][:3] == ["v10", "v09", "v02"]
    assert {r["group"] for r in villages} == {"villages"}


async def test_older_snapshot_never_overwrites_a_newer_one(svc):
    units = golden_units()[:4]
    await svc.feed(*[graded(u, 2, total=Decimal("95.00"), grade="excellent") for u in units], closed(2, 4))
    # v1 arrives late and complete; v3 is announced but only half there
    await svc.feed(closed(1, 4), *[graded(u, 1, total=Decimal("50.00"), grade="poor") for u in units])
    await svc.feed(closed(3, 4), *[graded(u, 3, total=Decimal("10.00"), grade="poor") for u in units[:2]])
    body = await svc.rankings()
    assert body["snapshot_version"] == 2
    assert {(r["total"], r["grade"]) for r in body["rankings"]} == {("95.00", "excellent")}
    # redelivery (new event ids, same content) and a conflicting replay change nothing
    await svc.feed(*[graded(u, 2, total=Decimal("0.00")) for u in units], closed(2, 99))
    assert (await svc.rankings())["rankings"][0]["total"] == "95.00"
    # completing v3 moves the view forward
    await svc.feed(*[graded(u, 3, total=Decimal("10.00"), grade="poor") for u in units[2:]])
    assert (await svc.rankings())["snapshot_version"] == 3
    assert (await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/rankings", params={"snapshot": 7})).status_code == 404


async def test_concurrent_batches_still_complete_the_snapshot(svc):
    """Rows and the header applied by concurrent transactions (as two instances would)."""
    units = golden_units()[:6]
    for version in range(1, 6):
        await asyncio.gather(
            svc.feed(*[graded(u, version) for u in units[:3]]),
            svc.feed(*[graded(u, version) for u in units[3:]]),
            svc.feed(closed(version, len(units))),
        )
        assert (await svc.rankings())["snapshot_version"] == version


async def test_poison_is_parked_and_the_batch_goes_on(svc):
    u = golden_units()[0]
    outcome = await svc.feed(graded(u, 1, total="not-a-number"), b"\x00junk", graded(u, 1), closed(1, 1))
    assert outcome == {"applied": 2, "duplicate": 0, "parked": 2}
    assert (await svc.rankings())["snapshot_version"] == 1


async def test_pages_workbook_and_annual_report(svc):
    units = golden_units()
    names = unit_names()
    r = await svc.http.put(f"/v1/plans/{PLAN}/labels", json={"grades": {}, "units": names})
    assert r.status_code == 200 and r.json()["effective_grades"]["fair"] == "一般"
    bad = await svc.http.put(f"/v1/plans/{PLAN}/labels", json={"grades": {"excellent": ""}})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    await svc.feed(*[graded(u, 4) for u in units], closed(4, len(units)))

    r = await svc.http.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/dashboard"
    index = (await svc.http.get("/dashboard")).text
    assert f'href="/dashboard/{PLAN}/Y"' in index and "定级快照 第4版" in index

    r = await svc.http.get(f"/dashboard/{PLAN}/Y")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for text in (
        "白莲村",
        "v01",
        "东山村",
        "名次",
        "总分",
        "优",
        "良",
        "一般",
        "差",
        "一票否决",
        "可评先",
        "定级快照 第4版",
    ):
        assert text in page, text
    villages = page[page.index("<h2>villages") :]
    order = [u["unit"] for u in sorted((u for u in units if u["group"] == "villages"), key=lambda u: u["rank"])]
    positions = [villages.index(f'<span class="uid">{unit}</span>') for unit in order]
    assert positions == sorted(positions)
    assert "<li>良 2</li>" in villages and "<li>一般 9</li>" in villages and "<li>差 1</li>" in villages

    r = await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/export.xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["agencies", "villages"]
    ws = wb["villages"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["名次 Rank", "单位 Unit", "单位名称 Name", "指标考核"] and "察访核验（扣分）" in header
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in rows] == order
    v10 = dict(zip(header, rows[0], strict=True))
    assert (
        v10["名次 Rank"],
        v10["单位 Unit"],
        v10["单位名称 Name"],
        Decimal(str(v10["总分 Total"])),
        v10["一票否决 Vetoed"],
    ) == (1, "v10", names["v10"], Decimal("89.46"), "是")

    # plan labels change the page (bureau-style names)
    await svc.http.put(
        f"/v1/plans/{PLAN}/labels",
        json={"grades": {"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "较差"}, "units": names},
    )
    assert "良好" in (await svc.http.get(f"/dashboard/{PLAN}/Y")).text

    r = await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/annual-report")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    md = r.text
    assert md.startswith(f"# {PLAN} 年度绩效考评报告") and "v4" in md and "2027-01-20 17:30:00 CST" in md
    assert "| 1 | 白莲村（v01）" not in md and f"| 1 | {names['v10']}（v10）（一票否决） | 89.46 |" in md
    assert "a07" in md.split("## 三")[1].split("## 四")[0]
    r2 = await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/annual-report", params={"snapshot": 4})
    assert r2.text.split("生成时间")[0] == md.split("生成时间")[0]


async def test_annual_report_waits_for_a_grade(svc):
    await svc.feed(provisional(golden_units()[0], 1, period="Q1"))
    r = await svc.http.get(f"/v1/plans/{PLAN}/periods/Q1/annual-report")
    assert r.status_code == 409
    page = (await svc.http.get(f"/dashboard/{PLAN}/Q1")).text
    assert "暂定成绩" in page


async def test_labels_learned_from_the_indicators_events(svc):
    units, names = golden_units(), unit_names()
    outcome = await svc.feed(
        plan_published(),
        *[unit_upserted(u, n) for u, n in names.items()],
        unit_upserted("v01", "白莲村（更名）", version=2),
        topic=INDICATORS,
    )
    assert outcome == {"applied": len(names) + 2, "duplicate": 0, "parked": 0}
    # a stale version, poison and the events reports does not read, in one batch
    outcome = await svc.feed(
        unit_upserted("v01", "白莲村（旧）", version=1),
        unit_upserted("v02", "东" * 201, version=9),
        plan_published(version=2, body="{not json"),
        indicators_event(indicators_pb2.PlanPublished(plan_id="x" * 101, plan_json="{}")),
        indicators_event(
            indicators_pb2.TargetSet(plan_id=PLAN, unit_id="v01", indicator_id="I1", target="1", version=1)
        ),
        indicators_event(indicators_pb2.PeriodClosed(plan_id=PLAN, period="Y", closed_by="office")),
        topic=INDICATORS,
    )
    assert outcome == {"applied": 3, "duplicate": 0, "parked": 3}
    async with svc.app.state.runtime.db.transaction() as session:
        parked = (await session.execute(tables.dead_letters.select())).all()
    assert len(parked) == 3 and {p.topic for p in parked} == {INDICATORS}
    assert any("BadIndicatorEvent" in p.error and "name longer than 200" in p.error for p in parked)
    await svc.feed(*[graded(u, 1) for u in units], closed(1, len(units)))

    rows = {r["unit"]: r for r in (await svc.rankings())["rankings"]}
    assert rows["v01"]["unit_name"] == "白莲村（更名）" and rows["v02"]["unit_name"] == names["v02"]
    assert all(r["unit_name"] == names[u] for u, r in rows.items() if u != "v01")
    assert {r["grade"]: r["grade_label"] for r in rows.values()} == LEARNED
    labels = (await svc.http.get(f"/v1/plans/{PLAN}/labels")).json()
    assert labels["grades"] == {} and labels["effective_grades"]["fair"] == "中等"
    assert labels["effective_units"]["v03"] == names["v03"]
    page = (await svc.http.get(f"/dashboard/{PLAN}/Y")).text
    assert "<li>中等 9</li>" in page and "白莲村（更名）" in page

    # the explicit override wins; clearing it brings back what the events taught
    r = await svc.http.put(f"/v1/plans/{PLAN}/labels", json={"grades": {"fair": "一般"}, "units": {"v01": "白莲"}})
    assert r.status_code == 200 and r.json()["effective_grades"]["good"] == "良好"
    rows = {r["unit"]: r for r in (await svc.rankings())["rankings"]}
    assert (rows["v01"]["unit_name"], rows["v02"]["unit_name"]) == ("白莲", names["v02"])
    assert {r["grade_label"] for r in rows.values()} == {"优秀", "良好", "一般", "较差"}
    await svc.http.put(f"/v1/plans/{PLAN}/labels", json={})
    assert (await svc.rankings())["rankings"][0]["grade_label"] in LEARNED.values()
    assert {r["unit_name"] for r in (await svc.rankings())["rankings"]} >= {"白莲村（更名）"}


async def test_score_card(svc):
    units, names = golden_units(), unit_names()
    assert (await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/units/a01")).status_code == 404
    await svc.feed(plan_published(), unit_upserted("a01", names["a01"]), topic=INDICATORS)
    await svc.feed(*[provisional(u, version=1) for u in units])
    card = (await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/units/a01")).json()
    assert (card["provisional"], card["status"], card["snapshot_version"]) == (True, "provisional", None)
    await svc.feed(*[graded(u, 1) for u in units], closed(1, len(units)))

    a01 = next(u for u in units if u["unit"] == "a01")
    r = await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/units/a01")
    assert r.status_code == 200, r.text
    card = r.json()
    assert (card["unit"], card["unit_name"], card["group"], card["status"], card["provisional"]) == (
        "a01",
        names["a01"],
        "agencies",
        "final",
        False,
    )
    assert (Decimal(card["total"]), card["grade"], card["grade_label"], card["rank"]) == (
        a01["total"],
        a01["grade"],
        LEARNED[a01["grade"]],
        a01["rank"],
    )
    assert card["group_size"] == sum(1 for u in units if u["group"] == "agencies")
    assert {k: Decimal(v) for k, v in card["components"].items()} == a01["components"]
    assert Decimal(card["survey_se"]) == a01["survey_se"] and card["missing"] == a01["missing"]
    assert (card["vetoed"], card["award_eligible"], card["snapshot_version"]) == (
        a01["vetoed"],
        a01["award_eligible"],
        1,
    )

    for path in (
        f"/v1/plans/{PLAN}/periods/Y/units/zz9",
        f"/v1/plans/{PLAN}/periods/Q3/units/a01",
        f"/v1/plans/{PLAN}/periods/Y/units/a01?snapshot=5",
    ):
        r = await svc.http.get(path)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), path
    assert "'zz9' has no score" in (await svc.http.get(f"/v1/plans/{PLAN}/periods/Y/units/zz9")).json()["detail"]

    assert f'<a href="/dashboard/{PLAN}/Y/a01">' in (await svc.http.get(f"/dashboard/{PLAN}/Y")).text
    r = await svc.http.get(f"/dashboard/{PLAN}/Y/a01")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for text in (
        names["a01"],
        "绩效考评成绩单",
        f"{a01['total']:.2f}",
        LEARNED[a01["grade"]],
        f"{a01['rank']} / {card['group_size']}",
        "指标考核",
        a01["missing"][0],
    ):
        assert text in r.text, text


async def test_consumes_from_the_broker(database_url, broker_bootstrap):
    """The whole path once: envelopes on jixiao.scores.v1 and jixiao.indicators.v1 → the service's
    consumer → rankings with the unit names and grade labels the indicators events carried."""
    plan = f"kafka-{uuid.uuid4().hex[:8]}"
    units = golden_units()[:5]
    names = unit_names()
    app = create_app(*_settings(database_url, broker_bootstrap))
    await ensure_topics(broker_bootstrap, [SCORES, INDICATORS], 4)
    producer = AIOKafkaProducer(bootstrap_servers=broker_bootstrap, acks="all")
    await producer.start()
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://reports") as http,
        ):
            values = [(u["unit"], graded(u, 1, plan=plan)) for u in units] + [(plan, closed(1, len(units), plan=plan))]
            for key, value in values + values:  # everything twice: duplicates are dropped
                await producer.send_and_wait(SCORES, value, key=key.encode())
            await producer.send_and_wait(INDICATORS, plan_published(plan=plan), key=plan.encode())
            for u in units:
                await producer.send_and_wait(
                    INDICATORS, unit_upserted(u["unit"], names[u["unit"]], plan=plan), key=u["unit"].encode()
                )
            deadline = time.monotonic() + 30
            body: dict = {}
            while time.monotonic() < deadline:
                r = await http.get(f"/v1/plans/{plan}/periods/Y/rankings")
                if (
                    r.status_code == 200
                    and (body := r.json())["snapshot_version"] == 1
                    and all(row["unit_name"] and row["grade_label"] for row in body["rankings"])
                ):
                    break
                await asyncio.sleep(0.2)
            assert body.get("snapshot_version") == 1, body
            assert sorted(r["unit"] for r in body["rankings"]) == sorted(u["unit"] for u in units)
            assert {r["unit"]: r["unit_name"] for r in body["rankings"]} == {u["unit"]: names[u["unit"]] for u in units}
            assert {r["grade_label"] for r in body["rankings"]} <= set(LEARNED.values()), body
            assert (await http.get("/readyz")).json()["checks"]["consumer"] is True
    finally:
        await producer.stop()

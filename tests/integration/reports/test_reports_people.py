"""The people list on real PostgreSQL (migration 0006): PersonEligibilityGraded consumed, listed, exported."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka.structs import ConsumerRecord
from openpyxl import load_workbook

from jixiao.messaging.consumer import BatchApplier
from jixiao.messaging.envelope import make_envelope
from jixiao.messaging.topics import SCORES
from jixiao.migrations import migrate
from jixiao.proto.events.v1 import people_pb2
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.reports.adapters.orm import tables
from services.reports.app import create_app
from services.reports.entrypoints.consumer import make_handler

pytestmark = pytest.mark.integration
PLAN = "jt-2026"


def graded(sid: str, unit: str, name: str, eligible: bool, reasons=(), version: int = 1, **kw) -> bytes:
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


@pytest.fixture
async def svc(database_url) -> AsyncIterator[tuple]:
    app = create_app(
        ServiceSettings(service="reports", grpc_port=0, migrate_on_start=True),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:9", kafka_partitions=4),
    )
    await migrate(database_url, "reports")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://reports") as http:
        runtime = app.state.runtime
        yield BatchApplier(runtime.db, tables, make_handler(runtime), runtime.metrics), http
    await app.state.runtime.db.dispose()


async def test_people_are_listed_per_unit_and_exported(svc):
    applier, http = svc
    assert (await http.get(f"/v1/plans/{PLAN}/periods/Y/people")).status_code == 404
    values = [
        graded("s1", "office", "朱建军", True, position="副局长", unit_grade="pass"),
        graded(
            "s2",
            "office",
            "刘敏",
            False,
            [("unit_vetoed", "所在单位被一票否决")],
            position="科长",
            unit_grade="pass",
            absences=1,
            unexcused_absences=1,
            deduction_points="0.5",
            leave_days={"sick": 3},
        ),
    ]
    values.append(values[1])  # a redelivery changes nothing
    records = [
        ConsumerRecord(
            topic=SCORES,
            partition=0,
            offset=i,
            timestamp=0,
            timestamp_type=0,
            key=None,
            value=v,
            checksum=None,
            serialized_key_size=0,
            serialized_value_size=len(v),
            headers=(),
        )
        for i, v in enumerate(values)
    ]
    outcome = await applier.apply(records)
    assert outcome["parked"] == 0
    r = await http.get(f"/v1/plans/{PLAN}/periods/Y/people")
    assert r.status_code == 200, r.text
    [unit] = r.json()["units"]
    assert (unit["unit_id"], unit["eligible"], [(p["staff_id"], p["eligible"]) for p in unit["people"]]) == (
        "office",
        1,
        [("s1", True), ("s2", False)],
    )
    x = await http.get(f"/v1/plans/{PLAN}/periods/Y/people.xlsx")
    assert x.status_code == 200 and "people.xlsx" in x.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(x.content))["评优资格"]
    rows = [[c.value for c in row] for row in ws.iter_rows(values_only=False)]
    assert [(row[2], row[3], row[-2], row[-1]) for row in rows[1:]] == [
        ("朱建军", "副局长", "是", None),
        ("刘敏", "科长", "否", "所在单位被一票否决"),
    ]

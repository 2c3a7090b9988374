"""A reports that re-read scoring's SnapshotService after a broker loss shows what a reports that read
the live score events shows: the graded ranking and every person's eligibility (评优资格), from the
same snapshot — scoring's snapshot carries the PersonEligibilityGraded events a close publishes."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import TopicPartition

from jixiao.grpc import start_server
from jixiao.messaging.envelope import Envelope, make_envelope
from jixiao.messaging.inbox import BatchApplier, BrokerLoss
from jixiao.messaging.topics import INDICATORS, INSPECTIONS, SCORES
from jixiao.migrations import migrate
from jixiao.proto.events.v1 import people_pb2
from jixiao.rules import exactjson
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.snapshots import GrpcSnapshotClient
from jixiao.testing.snapshots import records, serve_fake_snapshot
from services.reports.adapters.orm import tables as reports_tables
from services.reports.app import create_app as create_reports
from services.reports.entrypoints.consumer import make_handler
from services.scoring.adapters import orm as scoring_orm
from services.scoring.app import create_app as create_scoring
from services.scoring.app import service_of
from services.scoring.entrypoints.consumer import ScoringEventHandler
from services.scoring.entrypoints.grpc_server import SERVICE_NAMES, registrations

sys.path.insert(0, str(Path(__file__).parents[1] / "scoring"))
from bundle_events import all_events, bundle_events, load_doc

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"
NO_BROKER = "127.0.0.1:9"


def staff(sid: str, unit: str, *roles: str) -> Envelope:
    payload = people_pb2.StaffMemberUpserted(
        plan_id=PLAN, unit_id=unit, staff_id=sid, name=f"人员{sid}", position="科员", roles=list(roles), version=1
    )
    return make_envelope(source="inspections", plan_id=PLAN, unit_id=unit, aggregate_id=sid, version=1, payload=payload)


async def _view(http: httpx.AsyncClient) -> tuple[dict, dict]:
    people = (await http.get(f"/v1/plans/{PLAN}/periods/Y/people")).json()
    ranking = exactjson.loads((await http.get(f"/v1/plans/{PLAN}/periods/Y/rankings")).content)
    return people, {r["unit"]: (r["total"], r["grade"]) for r in ranking["rankings"]}


async def test_people_lists_after_a_resync_equal_the_ones_from_the_live_events(database_url: str) -> None:
    events = bundle_events(load_doc())
    events["inspections"] += [staff("p1", "a07", "head"), staff("p2", "v01", "staff"), staff("p3", "a07", "handler")]
    scoring_app = create_scoring(
        ServiceSettings(service="scoring", grpc_port=0),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=NO_BROKER),
    )
    s_runtime = scoring_app.state.runtime
    await migrate(s_runtime.db.url, "scoring")
    scoring = service_of(s_runtime)
    s_applier = BatchApplier(
        s_runtime.db, scoring_orm.messaging, ScoringEventHandler(s_runtime, scoring), s_runtime.metrics
    )
    await s_applier.apply(records(all_events(events)))
    assert (await scoring.close_period(PLAN, "Y", "office", reconcile=False)).snapshot_version == 1
    outbox = scoring_orm.messaging.outbox
    async with s_runtime.db.transaction() as session:
        rows = (await session.execute(sa.select(outbox.c.envelope).order_by(outbox.c.id))).all()
    live = [Envelope.FromString(r.envelope) for r in rows]
    assert sum(e.type == "PersonEligibilityGraded" for e in live) == 3

    scoring_server, scoring_port = await start_server(0, registrations(scoring, s_runtime), service_names=SERVICE_NAMES)
    _, ind_target, ind_server = await serve_fake_snapshot("indicators", events["indicators"])
    _, insp_target, insp_server = await serve_fake_snapshot("inspections", events["inspections"])
    app = create_reports(
        ServiceSettings(service="reports", grpc_port=0),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=NO_BROKER),
    )
    runtime = app.state.runtime
    runtime.extras["snapshot_clients"] = {
        "indicators": GrpcSnapshotClient("indicators", ind_target, timeout=30),
        "inspections": GrpcSnapshotClient("inspections", insp_target, timeout=30),
        "scoring": GrpcSnapshotClient("scoring", f"127.0.0.1:{scoring_port}", timeout=30),
    }
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://reports")
    try:
        # 1: a reports that read every live event
        await migrate(runtime.db.url, "reports")
        applier = BatchApplier(runtime.db, reports_tables, make_handler(runtime), runtime.metrics)
        await applier.apply(records([*events["indicators"], *events["inspections"], *live]))
        from_live = await _view(http)
        assert len([p for u in from_live[0]["units"] for p in u["people"]]) == 3

        # 2: a fresh reports that saw the plan, then lost every topic and re-read the snapshots
        async with runtime.db.transaction() as session:
            await session.execute(sa.text("DROP SCHEMA reports CASCADE"))
        await runtime.db.dispose()
        await migrate(runtime.db.url, "reports")
        applier = BatchApplier(runtime.db, reports_tables, make_handler(runtime), runtime.metrics)
        await applier.apply(records([next(e for e in events["indicators"] if e.type == "PlanPublished")]))
        loss = BrokerLoss("topic_vanished", frozenset(TopicPartition(t, 0) for t in (SCORES, INDICATORS, INSPECTIONS)))
        await applier.resync(loss)
        assert await _view(http) == from_live
    finally:
        await http.aclose()
        for client in runtime.extras.pop("snapshot_clients").values():
            await client.close()
        for server in (scoring_server, ind_server, insp_server):
            await server.stop(None)
        await runtime.db.dispose()
        await s_runtime.db.dispose()

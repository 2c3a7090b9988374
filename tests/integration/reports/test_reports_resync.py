"""After a broker loss reports re-reads everything by itself: plan and unit names from indicators'
snapshot, vetoes from inspections', provisional scores and the graded snapshot from scoring's own
SnapshotService (served by a real scoring over its real database), so the ranking is the graded one."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from jixiao.grpc import start_server
from jixiao.messaging.inbox import BatchApplier, BrokerLoss
from jixiao.messaging.topics import INDICATORS, INSPECTIONS, SCORES
from jixiao.migrations import migrate
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


def _repairs(source: str) -> float:
    return REGISTRY.get_sample_value("jixiao_reports_consumer_resync_repairs_total", {"source": source}) or 0.0


async def test_reports_rebuilds_its_read_model_from_the_snapshots_after_a_broker_loss(database_url: str) -> None:
    events = bundle_events(load_doc())
    # scoring got the whole year and graded it; none of its events reached reports
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
    closed = await scoring.close_period(PLAN, "Y", "office", reconcile=False)
    assert closed.snapshot_version == 1
    graded = {u["unit"]: u for u in (await scoring.results_doc(PLAN, "Y"))[0]["units"]}

    scoring_server, scoring_port = await start_server(0, registrations(scoring, s_runtime), service_names=SERVICE_NAMES)
    indicators, ind_target, ind_server = await serve_fake_snapshot("indicators", events["indicators"])
    inspections, insp_target, insp_server = await serve_fake_snapshot("inspections", events["inspections"])

    app = create_reports(
        ServiceSettings(service="reports", grpc_port=0),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=NO_BROKER),
    )
    runtime = app.state.runtime
    await migrate(runtime.db.url, "reports")
    runtime.extras["snapshot_clients"] = {
        "indicators": GrpcSnapshotClient("indicators", ind_target, timeout=30),
        "inspections": GrpcSnapshotClient("inspections", insp_target, timeout=30),
        "scoring": GrpcSnapshotClient("scoring", f"127.0.0.1:{scoring_port}", timeout=30),
    }
    applier = BatchApplier(runtime.db, reports_tables, make_handler(runtime), runtime.metrics)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://reports")
    try:
        # reports had seen the plan only (one event), then the broker lost every topic
        plan_event = next(e for e in events["indicators"] if e.type == "PlanPublished")
        await applier.apply(records([plan_event]))
        before = await http.get(f"/v1/plans/{PLAN}/periods/Y/rankings")
        assert before.status_code == 404, before.text  # no score of the period known

        before_scores = _repairs("scoring")
        loss = BrokerLoss(
            "topic_vanished", frozenset(TopicPartition(t, 0) for t in (SCORES, INDICATORS, INSPECTIONS)), "all"
        )
        await applier.resync(loss)

        ranking = exactjson.loads((await http.get(f"/v1/plans/{PLAN}/periods/Y/rankings")).content)
        assert ranking["provisional"] is False and ranking["snapshot_version"] == 1
        assert ranking["closed_by"] == "office"
        assert {r["unit"]: Decimal(str(r["total"])) for r in ranking["rankings"]} == {
            u: Decimal(str(g["total"])) for u, g in graded.items()
        }
        assert {r["unit"]: r["grade"] for r in ranking["rankings"]} == {u: g["grade"] for u, g in graded.items()}
        assert all(r["unit_name"] for r in ranking["rankings"])  # names came from indicators' snapshot
        # 37 graded rows + the snapshot header + the provisional scores
        assert _repairs("scoring") - before_scores > 37
        assert indicators.calls == 1 and inspections.calls == 1

        # the same loss again: everything is held already, nothing is repaired
        held = {x: _repairs(x) for x in ("indicators", "inspections", "scoring")}
        await applier.resync(loss)
        assert {x: _repairs(x) for x in held} == held
        again = exactjson.loads((await http.get(f"/v1/plans/{PLAN}/periods/Y/rankings")).content)
        assert again == ranking
    finally:
        await http.aclose()
        for client in runtime.extras.pop("snapshot_clients").values():
            await client.close()
        for server in (scoring_server, ind_server, insp_server):
            await server.stop(None)
        await runtime.db.dispose()
        await s_runtime.db.dispose()

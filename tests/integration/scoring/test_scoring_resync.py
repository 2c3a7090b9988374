"""After a broker loss scoring re-reads the sources' snapshots by itself: the facts the broker lost
are applied, the units they change are recomputed, and the grade equals the one of the full year."""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition
from bundle_events import bundle_events, golden_units, load_doc, records
from conftest import start_scoring, stop_scoring
from fake_sources import start_fake_sources
from prometheus_client import REGISTRY

from jixiao.messaging.inbox import BrokerLoss
from jixiao.messaging.topics import INDICATORS, INSPECTIONS, SURVEYS
from jixiao.rules import exactjson
from services.scoring.service import closing
from services.scoring.settings import ScoringSettings

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_broker_loss_is_repaired_from_the_sources_snapshots(database_url: str) -> None:
    events = bundle_events(load_doc())
    fakes, targets, servers = await start_fake_sources(events)
    settings = ScoringSettings(
        indicators_grpc=targets["indicators"], surveys_grpc=targets["surveys"], inspections_grpc=targets["inspections"]
    )
    s = await start_scoring(database_url, settings)
    try:
        # The broker delivered the plan and the units, then lost the rest of the year (every source).
        partial = [e for e in events["indicators"] if e.type in ("PlanPublished", "UnitUpserted")]
        await s.applier.apply(records(partial))
        missing = len(events["indicators"]) - len(partial) + len(events["surveys"]) + len(events["inspections"])
        before = _metric("jixiao_scoring_consumer_resync_repairs_total", source="surveys")
        loss = BrokerLoss(
            "log_shorter",
            frozenset(TopicPartition(t, 0) for t in (INDICATORS, SURVEYS, INSPECTIONS)),
            "a log ends before it ended",
        )
        await s.applier.resync(loss)  # what the kernel's consumer calls when it notices the loss

        assert all(f.calls == 1 for f in fakes.values())
        repaired = sum(
            _metric("jixiao_scoring_consumer_resync_repairs_total", source=x)
            for x in ("indicators", "surveys", "inspections")
        )
        assert 0 < repaired - before <= missing
        assert _metric("jixiao_scoring_consumer_resyncs_total", reason="log_shorter") >= 1
        # provisional scores were recomputed from the repaired facts, without a close
        provisional = exactjson.loads(
            (await s.http.get(f"/v1/plans/{PLAN}/periods/Y/units/a01?provisional=true")).content
        )
        assert provisional["score"]["total"] == next(u["total"] for u in golden_units() if u["unit"] == "a01")
        # a close that does not reconcile grades exactly what the full year grades
        report = await closing.close_period(s.service, PLAN, "Y", "office", reconcile=False)
        assert report.units == 37
        assert (await s.service.results_doc(PLAN, "Y"))[0]["units"] == golden_units()

        # a second loss repairs nothing: every fact is held at its version already
        again = _metric("jixiao_scoring_consumer_resync_repairs_total", source="indicators")
        await s.applier.resync(BrokerLoss("topic_vanished", frozenset({TopicPartition(INDICATORS, 0)}), INDICATORS))
        assert _metric("jixiao_scoring_consumer_resync_repairs_total", source="indicators") == again
        assert fakes["indicators"].calls == 2 and fakes["surveys"].calls == 1
    finally:
        for server in servers:
            await server.stop(None)
        await stop_scoring(s)

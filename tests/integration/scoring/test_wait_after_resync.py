"""`jixiao results --wait` after a broker loss: scoring got the facts from the sources' snapshots (no
inbox row, no event counted), and the wait returns because it compares the facts themselves; a fact
scoring lacks keeps it waiting, and the timeout names the source and how far behind scoring is."""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition
from bundle_events import bundle_events, load_doc, records
from conftest import start_scoring, stop_scoring
from fake_sources import start_fake_sources

from jixiao.errors import Unavailable
from jixiao.messaging.envelope import make_envelope
from jixiao.messaging.inbox import BrokerLoss
from jixiao.messaging.topics import INDICATORS, INSPECTIONS, SURVEYS
from jixiao.proto.events.v1 import inspections_pb2
from jixiao_cli.commands.scoring_client import source_positions, wait_consistent
from services.scoring.settings import ScoringSettings

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"


async def test_wait_returns_after_a_resync_and_keeps_waiting_for_a_missing_fact(database_url: str) -> None:
    events = bundle_events(load_doc())
    fakes, targets, servers = await start_fake_sources(events)
    settings = ScoringSettings(
        indicators_grpc=targets["indicators"], surveys_grpc=targets["surveys"], inspections_grpc=targets["inspections"]
    )
    s = await start_scoring(database_url, settings)

    async def held():
        return (await s.http.get(f"/v1/plans/{PLAN}/consistency")).json()

    def positions():
        return source_positions(targets, None, PLAN)

    try:
        # Kafka delivered the plan and its units; the broker lost the rest, which the resync reads.
        partial = [e for e in events["indicators"] if e.type in ("PlanPublished", "UnitUpserted")]
        await s.applier.apply(records(partial))
        await s.applier.resync(
            BrokerLoss("log_shorter", frozenset(TopicPartition(t, 0) for t in (INDICATORS, SURVEYS, INSPECTIONS)))
        )
        counted = (await held())["applied"]
        assert counted["indicators"] == len(partial) and counted["surveys"] == counted["inspections"] == 0
        await wait_consistent(positions, held, timeout=30)  # returns: every fact is held

        # inspections records one more deduction, which the broker lost and no resync has read yet
        late = inspections_pb2.DeductionRecorded(
            plan_id=PLAN,
            unit_id="a01",
            deduction_id="late-1",
            kind="inspection",
            points="0.5",
            date="2026-06-01",
            version=1,
        )
        fakes["inspections"].envelopes.append(
            make_envelope(
                source="inspections", plan_id=PLAN, unit_id="a01", aggregate_id="late-1", version=1, payload=late
            )
        )
        with pytest.raises(Unavailable) as waited:
            await wait_consistent(positions, held, timeout=1.0, poll=0.2)
        message = str(waited.value)
        assert "\n" not in message and "inspections: 1 of " in message and "facts missing in scoring" in message
        assert "indicators" not in message and "surveys" not in message
    finally:
        for server in servers:
            await server.stop(None)
        await stop_scoring(s)

"""Through the real broker: two scoring instances in one consumer group give the results of one."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from bundle_events import all_events, bundle_events, load_doc

from jixiao.messaging.topics import ALL_TOPICS, TOPIC_OF_SERVICE, ensure_topics
from jixiao.migrations import migrate
from jixiao.rules import exactjson
from jixiao.rules.bundle import load_bundle
from jixiao.rules.exactjson import dumps
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.scoring.app import create_app
from services.scoring.domain.grading import score_bundle
from services.scoring.domain.results import results_to_dict
from services.scoring.settings import ScoringSettings

pytestmark = pytest.mark.integration
UNITS = {"v01", "v02", "v03", "v10", "a01", "a02", "a07"}


def _subset(doc: dict, plan_id: str) -> dict:
    keep = lambda rows, key="unit": [r for r in rows if r[key] in UNITS]  # noqa: E731
    return {
        **doc,
        "plan": {**doc["plan"], "id": plan_id},
        "units": keep(doc["units"], "id"),
        "targets": keep(doc["targets"]),
        "results": keep(doc["results"]),
        "survey_strata": keep(doc["survey_strata"]),
        "survey_responses": keep(doc["survey_responses"]),
        "deductions": keep(doc["deductions"]),
        "vetoes": keep(doc["vetoes"]),
    }


async def test_two_instances_share_the_partitions_and_agree_with_one(database_url: str, broker_bootstrap: str) -> None:
    plan_id = f"bailian-{uuid.uuid4().hex[:8]}"  # the session broker is shared: our own plan id
    doc = _subset(load_doc(), plan_id)
    bundle = load_bundle(dumps(doc, indent=None))
    expected = exactjson.loads(dumps(results_to_dict(bundle.plan, "Y", score_bundle(bundle)), indent=None))["units"]
    events = bundle_events(doc)

    kafka = KafkaSettings(kafka_bootstrap=broker_bootstrap, kafka_partitions=4, kafka_request_timeout_ms=10000)
    await ensure_topics(broker_bootstrap, ALL_TOPICS, 4)
    await migrate(DatabaseSettings(database_url=database_url).database_url, "scoring")
    apps = [
        create_app(
            ServiceSettings(service="scoring", grpc_port=0, migrate_on_start=False),
            DatabaseSettings(database_url=database_url),
            kafka,
            ScoringSettings(),
        )
        for _ in range(2)
    ]
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        producer = AIOKafkaProducer(bootstrap_servers=broker_bootstrap, acks="all")
        await producer.start()
        try:
            for env in all_events(events):
                await producer.send(
                    TOPIC_OF_SERVICE[env.source], env.SerializeToString(), key=(env.unit_id or env.plan_id).encode()
                )
            await producer.flush()
        finally:
            await producer.stop()
        service = apps[0].state.runtime.extras["scoring"]
        want = {s: len(events.get(s, [])) for s in ("indicators", "surveys", "inspections")}
        for _ in range(240):
            if (await service.consistency(plan_id))["applied"] == want:
                break
            await asyncio.sleep(0.25)
        assert (await service.consistency(plan_id))["applied"] == want
        provisional, _ = await service.results_doc(plan_id, "Y")
        assert len(provisional["units"]) == len(UNITS)
        other = apps[1].state.runtime.extras["scoring"]
        report = await other.close_period(plan_id, "Y", "office")
        assert report.snapshot_version == 1
        got, version = await service.results_doc(plan_id, "Y")
        assert version == 1 and got["units"] == expected
        consumers = [a.state.runtime.consumer for a in apps]
        assert all(c is not None and c.ready.is_set() for c in consumers)
        # the group split the partitions: each instance held some, none held the same one
        held = [c.assignment() for c in consumers]
        assert all(held) and not (held[0] & held[1]), held

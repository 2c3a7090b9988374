"""The relay's health on /metrics: failed passes are counted, and the age of the oldest unpublished
outbox row keeps growing while the broker is away (then falls to 0 once everything is out)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from jixiao.db import Database
from jixiao.messaging.outbox import Outbox
from jixiao.messaging.relay import OutboxRelay
from jixiao.messaging.topics import ensure_topics
from jixiao.metrics import kernel_metrics
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.settings import KafkaSettings
from jixiao.testing import toy_service as toy

pytestmark = pytest.mark.integration
NO_BROKER = "127.0.0.1:9"


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


async def test_relay_failures_and_outbox_age_while_the_broker_is_away(database_url, broker_bootstrap):
    await toy.create_schema(database_url)
    topic = f"kernel-age-{uuid.uuid4().hex[:8]}"
    db = Database(database_url, "indicators")
    registry = CollectorRegistry()
    metrics = kernel_metrics("indicators", registry)
    outbox = Outbox(toy.tables.outbox, "indicators", topic)
    async with db.transaction() as s:
        await outbox.add(s, indicators_pb2.UnitUpserted(unit_id="u1", name="x", version=1), plan_id="p", unit_id="u1")
    away = OutboxRelay(
        db,
        toy.tables.outbox,
        KafkaSettings(kafka_bootstrap=NO_BROKER),
        metrics,
        [topic],
        interval=0.05,
        max_backoff=0.2,
    )
    task = asyncio.create_task(away.run())
    try:
        await asyncio.sleep(2.5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await away.stop()
    assert _value(registry, "jixiao_indicators_relay_failures_total", kind="broker") >= 2
    age = _value(registry, "jixiao_indicators_outbox_oldest_unpublished_age_seconds")
    assert age >= 1.5  # the row was written before the relay started failing
    assert _value(registry, "jixiao_indicators_outbox_backlog_events") == 1

    await ensure_topics(broker_bootstrap, [topic], 1)
    producer = AIOKafkaProducer(bootstrap_servers=broker_bootstrap, acks="all")
    await producer.start()
    back = OutboxRelay(
        db, toy.tables.outbox, KafkaSettings(kafka_bootstrap=broker_bootstrap), metrics, [topic], producer=producer
    )
    try:
        assert await back.publish_pending() == 1
    finally:
        await producer.stop()
        await db.dispose()
    assert _value(registry, "jixiao_indicators_outbox_oldest_unpublished_age_seconds") == 0
    assert _value(registry, "jixiao_indicators_outbox_backlog_events") == 0

"""The relay when the broker refuses one record: the rest of the outbox still goes out, in order per key."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import MessageSizeTooLargeError
from prometheus_client import CollectorRegistry

from jixiao.db import Database
from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import decode
from jixiao.messaging.outbox import SHARDS, EventTooLarge, Outbox, shard_of
from jixiao.messaging.relay import OutboxRelay, relay_lock_key
from jixiao.messaging.topics import ensure_topics
from jixiao.metrics import kernel_metrics
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.registry import SERVICES
from jixiao.settings import KafkaSettings
from jixiao.testing import toy_service as toy

pytestmark = pytest.mark.integration
BAD = "unit-18"  # shard 0: before the others in every pass
GOOD = ["unit-3", "unit-4", "unit-2", "unit-9"]  # shards 1, 2, 7, 15


class RefusingProducer(AIOKafkaProducer):
    """The real producer, except that the broker "refuses" UnitUpserted events named `refuse`."""

    async def send(self, topic, value=None, key=None, *args, **kwargs):
        if (
            decode(value).type == "UnitUpserted"
            and indicators_pb2.UnitUpserted.FromString(decode(value).payload).name == "refuse"
        ):
            raise MessageSizeTooLargeError("The message is 2000000 bytes when serialized")
        return await super().send(topic, value, key, *args, **kwargs)


async def _topic(bootstrap: str) -> str:
    topic = f"kernel-faults-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic], 4)
    return topic


async def _read_versions(bootstrap: str, topic: str, expected: int) -> dict[str, list[int]]:
    """Every event of the topic, by key, in log order (the order a consumer sees per key)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    got: dict[str, list[int]] = {}
    try:
        partitions = [TopicPartition(topic, p) for p in range(4)]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, 0)
        deadline = time.monotonic() + 30
        while sum(map(len, got.values())) < expected and time.monotonic() < deadline:
            for recs in (await consumer.getmany(timeout_ms=500)).values():
                for r in recs:
                    env = decode(r.value)
                    got.setdefault(env.unit_id, []).append(env.aggregate_version)
    finally:
        await consumer.stop()
    return got


async def _add(db: Database, outbox: Outbox, key: str, version: int, name: str = "ok") -> None:
    async with db.transaction() as s:
        await outbox.add(
            s,
            indicators_pb2.UnitUpserted(unit_id=key, name=name, version=version),
            plan_id="p",
            unit_id=key,
            version=version,
        )


async def _pending(db: Database, key: str | None = None) -> list[int]:
    t = toy.tables.outbox
    q = sa.select(t.c.id).where(t.c.published_at.is_(None)).order_by(t.c.id)
    if key is not None:
        q = q.where(t.c.key == key)
    async with db.transaction() as s:
        return list((await s.execute(q)).scalars())


async def test_one_refused_envelope_is_dead_lettered_and_stalls_nothing_else(database_url, broker_bootstrap):
    assert shard_of(BAD) == 0 and all(shard_of(k) > 0 for k in GOOD)
    await toy.create_schema(database_url)
    topic = await _topic(broker_bootstrap)
    db = Database(database_url, "indicators")
    metrics = kernel_metrics("indicators", CollectorRegistry())
    outbox = Outbox(toy.tables.outbox, "indicators", topic)
    producer = RefusingProducer(bootstrap_servers=broker_bootstrap, acks="all")
    await producer.start()
    relay = OutboxRelay(
        db,
        toy.tables.outbox,
        KafkaSettings(kafka_bootstrap=broker_bootstrap, kafka_publish_max_attempts=3),
        metrics,
        [topic],
        producer=producer,
    )
    try:
        await _add(db, outbox, BAD, 1, name="refuse")
        for version in (2, 3):
            await _add(db, outbox, BAD, version)
        for version in (1, 2, 3):
            for key in GOOD:
                await _add(db, outbox, key, version)
        async with db.transaction() as s:
            position = await outbox.position(s, "p")

        # Every other shard goes out in the first pass; the refused key's later events wait.
        assert await relay.publish_pending() == 12
        assert len(await _pending(db, BAD)) == 3
        assert await relay.publish_pending() == 0  # second refusal
        assert await relay.publish_pending() == 2  # third: dead-lettered, the key goes on
        assert await _pending(db) == []

        dead = toy.tables.outbox_dead_letters
        async with db.transaction() as s:
            rows = (await s.execute(sa.select(dead.c.key, dead.c.attempts, dead.c.error))).all()
            assert await outbox.position(s, "p") == position  # a dead letter is still an event
        assert [(r.key, r.attempts) for r in rows] == [(BAD, 3)]
        assert "MessageSizeTooLargeError" in rows[0].error
        assert metrics.outbox_dead_letters.labels("UnitUpserted")._value.get() == 1

        got = await _read_versions(broker_bootstrap, topic, 14)
        assert got == {**{k: [1, 2, 3] for k in GOOD}, BAD: [2, 3]}
    finally:
        await relay.stop()
        await db.dispose()


async def test_an_oversize_event_is_refused_when_written_and_one_already_stored_is_dead_lettered(
    database_url, broker_bootstrap
):
    await toy.create_schema(database_url)
    topic = await _topic(broker_bootstrap)
    db = Database(database_url, "indicators")
    metrics = kernel_metrics("indicators", CollectorRegistry())
    small = Outbox(toy.tables.outbox, "indicators", topic, max_bytes=2000)
    relay = OutboxRelay(
        db,
        toy.tables.outbox,
        KafkaSettings(kafka_bootstrap=broker_bootstrap, kafka_max_event_bytes=3000),
        metrics,
        [topic],
    )
    try:
        with pytest.raises(EventTooLarge) as refused:
            await _add(db, small, "unit-3", 1, name="x" * 2500)
        assert isinstance(refused.value, InvalidInput) and refused.value.status == 422
        assert await _pending(db) == []  # the writer's transaction rolled back

        # written before the limit (a larger one then): never sent, dead-lettered in the first pass
        await _add(db, Outbox(toy.tables.outbox, "indicators", topic, max_bytes=20_000), "unit-3", 1, name="x" * 5000)
        await _add(db, small, "unit-3", 2)
        assert await relay.publish_pending() == 1
        assert await _pending(db) == []
        assert metrics.outbox_dead_letters.labels("UnitUpserted")._value.get() == 1
        assert await _read_versions(broker_bootstrap, topic, 1) == {"unit-3": [2]}
    finally:
        await relay.stop()
        await db.dispose()


def test_each_service_has_its_own_relay_locks():
    keys = {relay_lock_key(service, shard) for service in SERVICES for shard in range(SHARDS)}
    assert len(keys) == len(SERVICES) * SHARDS


async def test_relays_of_two_services_in_one_database_do_not_wait_for_each_other(database_url, broker_bootstrap):
    """indicators' relay holds all its shards (a long pass); surveys' relay still publishes."""
    await toy.create_schema(database_url, "indicators")
    await toy.create_schema(database_url, "surveys")
    topic = await _topic(broker_bootstrap)
    kafka = KafkaSettings(kafka_bootstrap=broker_bootstrap)
    indicators, surveys = Database(database_url, "indicators"), Database(database_url, "surveys")
    busy = OutboxRelay(indicators, toy.tables.outbox, kafka, kernel_metrics("indicators"), [topic])
    relay = OutboxRelay(surveys, toy.tables.outbox, kafka, kernel_metrics("surveys"), [topic])
    try:
        await _add(surveys, Outbox(toy.tables.outbox, "surveys", topic), "unit-3", 1)
        async with indicators.transaction() as held:
            for shard in range(SHARDS):
                await held.execute(sa.select(sa.func.pg_advisory_xact_lock(*busy.lock_key(shard))))
            assert await relay.publish_pending() == 1
    finally:
        await relay.stop()
        await indicators.dispose()
        await surveys.dispose()

"""The kernel's delivery guarantees on a real PostgreSQL and the real broker."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from prometheus_client.parser import text_string_to_metric_families

from jixiao.db import Database
from jixiao.localstack.broker import TansuBroker
from jixiao.messaging.envelope import decode
from jixiao.messaging.inbox import BatchApplier
from jixiao.messaging.outbox import Outbox
from jixiao.messaging.relay import OutboxRelay
from jixiao.messaging.topics import ensure_topics
from jixiao.metrics import kernel_metrics
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.runtime import create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing import toy_service as toy
from jixiao.testing.netproxy import CuttableProxy

pytestmark = pytest.mark.integration


async def _wait_for(predicate, timeout: float = 40.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _app(database_url: str, bootstrap: str, consume: bool = True):
    return create_service_app(
        toy.parts(consume),
        ServiceSettings(service="indicators", migrate_on_start=False, relay_interval_ms=100),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=bootstrap, kafka_partitions=4),
    )


async def _seen(db: Database) -> list[tuple[str, str]]:
    async with db.transaction() as s:
        return [tuple(r) for r in (await s.execute(sa.select(toy.seen.c.event_id, toy.seen.c.unit_id))).all()]


class _ProxiedBroker(TansuBroker):
    """A broker that tells clients to reach it through a proxy (so the proxy can cut them off)."""

    def __init__(self, log_dir, advertised_port: int) -> None:
        super().__init__(log_dir)
        self.advertised_port = advertised_port

    @property
    def argv(self) -> list[str]:
        argv = super().argv
        argv[argv.index("--advertised-listener-url") + 1] = f"tcp://127.0.0.1:{self.advertised_port}"
        return argv


async def test_outbox_survives_a_broker_outage(database_url, tmp_path):
    """Requests succeed while the broker is unreachable; afterwards every event arrives exactly once."""
    await toy.create_schema(database_url)
    proxy = CuttableProxy(target_port=0)
    broker = _ProxiedBroker(tmp_path / "broker", advertised_port=proxy.port)
    broker.prepare()
    proxy.target_port = broker.port
    broker.start()
    await proxy.start()
    app = _app(database_url, f"127.0.0.1:{proxy.port}")
    db = Database(database_url, "indicators")
    try:
        async with app.router.lifespan_context(app):
            runtime = app.state.runtime
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
                for i in range(3):
                    assert (await http.post(f"/widgets/before-{i}")).status_code == 200
                await _wait_for(lambda: _count_is(db, 3), what="events before the outage")

                await proxy.cut()
                for i in range(3):
                    assert (await http.post(f"/widgets/during-{i}")).status_code == 200
                assert await runtime.pending_events() == 3

                await proxy.restore()
                await _wait_for(lambda: _count_is(db, 6), timeout=60, what="events after the outage")
                await asyncio.sleep(1.5)  # give a duplicate the chance to show up
                rows = await _seen(db)
                assert sorted(u for _, u in rows) == sorted(
                    [f"before-{i}" for i in range(3)] + [f"during-{i}" for i in range(3)]
                )
                assert len({e for e, _ in rows}) == len(rows) == 6
                assert await runtime.pending_events() == 0
    finally:
        await db.dispose()
        await proxy.cut()
        broker.stop()


async def _count_is(db: Database, n: int) -> bool:
    rows = await _seen(db)
    assert len(rows) <= n, f"more events applied than sent: {rows}"
    return len(rows) == n


def _record(value: bytes, offset: int, topic: str = "jixiao.indicators.v1") -> ConsumerRecord:
    return ConsumerRecord(
        topic=topic,
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=value,
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=len(value),
        headers=(),
    )


async def _envelopes(db: Database, outbox: Outbox, names: list[str]) -> list[bytes]:
    async with db.transaction() as s:
        envs = [
            await outbox.add(s, indicators_pb2.UnitUpserted(unit_id=n, name=n), plan_id="p", unit_id=n) for n in names
        ]
    return [e.SerializeToString() for e in envs]


async def test_consumer_is_idempotent_under_redelivery_and_parks_poison(database_url):
    await toy.create_schema(database_url)
    db = Database(database_url, "indicators")
    try:
        outbox = Outbox(toy.tables.outbox, "indicators", "jixiao.indicators.v1")
        values = await _envelopes(db, outbox, ["u1", "poison", "u2"])
        woken: list[int] = []  # the runtime wakes its relay after a batch that applied events committed
        applier = BatchApplier(
            db, toy.tables, toy.SeenHandler(), kernel_metrics("indicators"), after_commit=lambda: woken.append(1)
        )
        records = [_record(v, i) for i, v in enumerate(values)] + [_record(b"\x00not an envelope", 3)]

        first = await applier.apply(records)
        assert woken
        woken.clear()
        again = await applier.apply(records[:3])  # redelivered after a rebalance
        assert not woken  # nothing applied, nothing to publish
        assert first == {"applied": 2, "duplicate": 0, "parked": 2}
        # a parked event keeps its inbox row: processed once (parked), never retried or recounted
        assert again == {"applied": 0, "duplicate": 3, "parked": 0}
        assert sorted(u for _, u in await _seen(db)) == ["u1", "u2"]
        async with db.transaction() as s:
            parked = (
                await s.execute(
                    sa.select(toy.tables.dead_letters.c.offset, toy.tables.dead_letters.c.error).order_by(
                        toy.tables.dead_letters.c.id
                    )
                )
            ).all()
        errors = {p.offset: p.error for p in parked}
        assert sorted(errors) == [1, 3]
        assert "poison widget" in errors[1] and "not an envelope" in errors[3]
    finally:
        await db.dispose()


async def test_two_relays_keep_per_key_order_and_publish_each_event_once(database_url, broker_bootstrap):
    await toy.create_schema(database_url)
    topic = f"kernel-order-{uuid.uuid4().hex[:8]}"
    await ensure_topics(broker_bootstrap, [topic], 4)
    db = Database(database_url, "indicators")
    kafka = KafkaSettings(kafka_bootstrap=broker_bootstrap, kafka_partitions=4)
    metrics = kernel_metrics("indicators")
    outbox = Outbox(toy.tables.outbox, "indicators", topic)
    keys = [f"unit-{k}" for k in range(6)]
    async with db.transaction() as s:
        for version in range(1, 41):
            for key in keys:
                await outbox.add(
                    s,
                    indicators_pb2.UnitUpserted(unit_id=key, version=version),
                    plan_id="p",
                    unit_id=key,
                    version=version,
                )
    relays = [OutboxRelay(db, toy.tables.outbox, kafka, metrics, [topic], batch_size=7) for _ in range(2)]
    try:

        async def drain(relay: OutboxRelay) -> int:
            total = 0
            while (n := await relay.publish_pending()) or total == 0 and await _pending(db):
                total += n
            return total

        published = await asyncio.gather(*(drain(r) for r in relays))
        assert sum(published) == 240 and await _pending(db) == 0

        consumer = AIOKafkaConsumer(
            bootstrap_servers=broker_bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
        )
        await consumer.start()
        try:
            partitions = [TopicPartition(topic, p) for p in range(4)]
            consumer.assign(partitions)
            for tp in partitions:  # from offset 0 itself: under load tansu's "earliest" lookup has lied once
                consumer.seek(tp, 0)
            got: dict[str, list[int]] = {k: [] for k in keys}
            deadline = time.monotonic() + 30
            while sum(map(len, got.values())) < 240 and time.monotonic() < deadline:
                for recs in (await consumer.getmany(timeout_ms=500)).values():
                    for r in recs:
                        env = decode(r.value)
                        assert r.key.decode() == env.unit_id
                        got[env.unit_id].append(env.aggregate_version)
        finally:
            await consumer.stop()
        for key in keys:
            assert got[key] == list(range(1, 41)), f"{key} out of order or duplicated"
    finally:
        for r in relays:
            await r.stop()
        await db.dispose()


async def _pending(db: Database) -> int:
    async with db.transaction() as s:
        t = toy.tables.outbox
        return (
            await s.execute(sa.select(sa.func.count()).select_from(t).where(t.c.published_at.is_(None)))
        ).scalar_one()


async def test_metrics_health_and_problems(database_url, broker_bootstrap):
    await toy.create_schema(database_url)
    app = _app(database_url, broker_bootstrap, consume=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            await http.post("/widgets/w1")
            ready = await http.get("/readyz")
            assert ready.status_code == 200 and ready.json()["checks"] == {"database": True, "broker": True}
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            text = (await http.get("/metrics")).text
            families = {f.name: f for f in text_string_to_metric_families(text)}
            assert "jixiao_indicators_http_requests" in families
            assert "jixiao_indicators_outbox_backlog_events" in families
            samples = [
                s
                for s in families["jixiao_indicators_http_requests"].samples
                if s.labels.get("route") == "/widgets/{wid}"
            ]
            assert samples and samples[0].value >= 1
            missing = await http.get("/nowhere")
            assert missing.status_code == 404
            assert missing.headers["content-type"].startswith("application/problem+json")
            assert missing.json()["status"] == 404


@pytest.mark.slow
async def test_a_restarted_empty_broker_loses_no_later_event(database_url, tmp_path):
    """tansu keeps topics in memory: after a restart the log starts again at offset 0. More events
    after the restart than before must all arrive (a kept position would skip the first ones)."""
    await toy.create_schema(database_url)
    broker = TansuBroker(tmp_path / "broker")
    broker.prepare()
    broker.start()
    app = create_service_app(
        toy.parts(True),
        ServiceSettings(service="indicators", migrate_on_start=False, relay_interval_ms=100),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=broker.bootstrap, kafka_partitions=1),
    )
    db = Database(database_url, "indicators")
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
                for i in range(3):
                    assert (await http.post(f"/widgets/before-{i}")).status_code == 200
                await _wait_for(lambda: _count_is(db, 3), what="events before the restart")
                broker.stop()
                broker.start()
                for i in range(6):
                    assert (await http.post(f"/widgets/after-{i}")).status_code == 200
                await _wait_for(lambda: _count_is(db, 9), timeout=90, what="events after the restart")
                assert sorted(u for _, u in await _seen(db)) == sorted(
                    [f"before-{i}" for i in range(3)] + [f"after-{i}" for i in range(6)]
                )
    finally:
        await db.dispose()
        broker.stop()


async def test_pruning_the_outbox_keeps_positions(database_url, broker_bootstrap):
    """Published rows older than the retention go; GetPosition still counts every event of the plan."""
    import datetime as dt

    await toy.create_schema(database_url)
    app = create_service_app(
        toy.parts(False),
        ServiceSettings(service="indicators", migrate_on_start=False, relay_interval_ms=50, outbox_retention_hours=1),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=broker_bootstrap),
    )
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            for i in range(5):
                assert (await http.post(f"/widgets/p-{i}")).status_code == 200

            async def published() -> bool:
                return await runtime.pending_events() == 0

            await _wait_for(published, what="the relay to publish")

            async def position() -> int:
                async with runtime.db.transaction() as s:
                    return await runtime.outbox.position(s, "p")

            async def rows() -> int:
                async with runtime.db.transaction() as s:
                    return int((await s.execute(sa.select(sa.func.count()).select_from(toy.tables.outbox))).scalar())

            assert await position() == 5
            assert await runtime.prune_outbox_once() == 0  # younger than an hour: kept
            later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
            assert await runtime.prune_outbox_once(now=later) == 5
            assert await rows() == 0 and await position() == 5
            async with runtime.db.transaction() as s:  # an unpublished row stays
                await runtime.outbox.add(s, indicators_pb2.UnitUpserted(plan_id="p", unit_id="x"), plan_id="p")
                assert await runtime.outbox.prune(s, later) == 0
            assert await position() == 6

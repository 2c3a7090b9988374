"""Publishes outbox rows to Kafka in order per key, with retries and backoff, and marks them sent."""

from __future__ import annotations

import asyncio

from datetime import UTC, datetime

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from jixiao.db import Database
from jixiao.logging import get_logger
from jixiao.messaging.kafka_config import client_kwargs
from jixiao.messaging.outbox import SHARDS
from jixiao.messaging.topics import ensure_topics
from jixiao.metrics import KernelMetrics
from jixiao.settings import KafkaSettings

log = get_logger("jixiao.relay")
_LOCK_NAMESPACE = 0x6A78  # "jx": advisory-lock namespace of the relays


class OutboxRelay:
    """Claims pending rows shard by shard (advisory lock + FOR UPDATE SKIP LOCKED) and publishes them."""

    def __init__(self, db: Database, outbox: sa.Table, kafka: KafkaSettings, metrics: KernelMetrics,
                 topics: list[str], *, batch_size: int = 500, interval: float = 0.2,
                 max_backoff: float = 10.0) -> None:
        self.db = db
        self.outbox = outbox
        self.kafka = kafka
        self.metrics = metrics
        self.topics = topics
        self.batch_size = batch_size
        self.interval = interval
        self.max_backoff = max_backoff
        self._producer: AIOKafkaProducer | None = None
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask for a pass now (after a commit that wrote events), instead of at the next tick."""
        self._wake.set()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            await ensure_topics(self.kafka, self.topics, self.kafka.kafka_partitions,
                                self.kafka.kafka_replication)
            producer = AIOKafkaProducer(**client_kwargs(self.kafka, producer=True), linger_ms=2)
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:  # noqa: BLE001 - the producer is being discarded anyway
                pass

    async def publish_pending(self) -> int:
        """One pass over every shard; returns how many events were published."""
        producer = await self._ensure_producer()
        published = 0
        for shard in range(SHARDS):
            published += await self._publish_shard(producer, shard)
        await self._update_backlog()
        return published

    async def _publish_shard(self, producer: AIOKafkaProducer, shard: int) -> int:
        t = self.outbox.c
        async with self.db.transaction() as session:
            got = (await session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_LOCK_NAMESPACE, shard)))).scalar()
            if not got:
                return 0  # another relay owns this shard right now
            rows = (await session.execute(
                sa.select(t.id, t.topic, t.key, t.envelope, t.created_at)
                .where(t.shard == shard, t.published_at.is_(None))
                .order_by(t.id).limit(self.batch_size)
                .with_for_update(skip_locked=True))).all()
            if not rows:
                return 0
            futures = [await producer.send(r.topic, r.envelope, key=r.key.encode()) for r in rows]
            done: list[int] = []
            error: tuple[int, str] | None = None
            for row, fut in zip(rows, futures):
                try:
                    await fut
                except KafkaError as exc:
                    error = (row.id, f"{type(exc).__name__}: {exc}")
                    break  # keep order: nothing after a failed row of this shard is marked sent
                done.append(row.id)
                self.metrics.outbox_publish_latency.observe(
                    max(0.0, (datetime.now(UTC) - row.created_at).total_seconds()))
                self.metrics.outbox_published.labels(row.topic).inc()
            if done:
                await session.execute(sa.update(self.outbox).where(t.id.in_(done)).values(published_at=sa.func.now()))
            if error:
                await session.execute(sa.update(self.outbox).where(t.id == error[0])
                                      .values(attempts=t.attempts + 1, last_error=error[1]))
        if error:
            raise _PublishFailed(error[1])
        return len(done)

    async def _update_backlog(self) -> None:
        async with self.db.transaction() as session:
            n = (await session.execute(sa.select(sa.func.count()).select_from(self.outbox)
                                       .where(self.outbox.c.published_at.is_(None)))).scalar_one()
        self.metrics.outbox_backlog.set(n)

    async def run(self) -> None:
        """Publish forever; on broker or database trouble back off (0.2 s doubling to max) and retry."""
        backoff = self.interval
        while True:
            try:
                await self.publish_pending()
                backoff = self.interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: log, back off, try again
                log.warning("relay.retry", error=f"{type(exc).__name__}: {exc}", backoff_s=backoff)
                await self._drop_producer()
                backoff = min(backoff * 2, self.max_backoff)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        await self._drop_producer()


class _PublishFailed(Exception):
    """A row could not be published; the pass stops so the relay backs off and retries."""



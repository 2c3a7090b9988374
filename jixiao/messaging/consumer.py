"""Idempotent consumers: inbox row and state change in one transaction, offsets committed after it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Protocol

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.db import Database
from jixiao.errors import JixiaoError
from jixiao.logging import get_logger, trace_id_var
from jixiao.messaging.envelope import BadEnvelope, Envelope, decode
from jixiao.messaging.kafka_config import check_source, client_kwargs
from jixiao.messaging.outbox import MessagingTables
from jixiao.messaging.topics import ensure_topics
from jixiao.metrics import KernelMetrics
from jixiao.settings import KafkaSettings

log = get_logger("jixiao.consumer")


class EventHandler(Protocol):
    """What a service plugs into a consumer: apply one event, then finish a batch."""

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        """Apply one new event inside the batch's transaction; a JixiaoError parks it as poison."""

    async def after_batch(self, session: AsyncSession) -> None:
        """Called once per batch, in the same transaction, after every event was applied."""


class BatchApplier:
    """Applies a batch of records exactly once each; independent of Kafka so it can be tested alone."""

    def __init__(self, db: Database, tables: MessagingTables, handler: EventHandler, metrics: KernelMetrics) -> None:
        self.db = db
        self.tables = tables
        self.handler = handler
        self.metrics = metrics

    async def apply(self, records: Sequence[ConsumerRecord]) -> dict[str, int]:
        """Apply records in one transaction; returns counts by outcome (applied, duplicate, parked).

        Fast path: one inbox insert for the whole batch and one savepoint around all new events.
        Only when an event turns out to be poison is the batch re-applied event by event, each in
        its own savepoint, so the poison one is parked and the others still apply.
        """
        outcomes = {"applied": 0, "duplicate": 0, "parked": 0}

        def count(outcome: str, etype: str) -> None:
            outcomes[outcome] += 1
            self.metrics.events_consumed.labels(etype, outcome).inc()

        async with self.db.transaction() as session:
            decoded: list[tuple[ConsumerRecord, Envelope]] = []
            for record in records:
                try:
                    decoded.append((record, check_source(record.topic, decode(record.value))))
                except BadEnvelope as exc:
                    await self._park(session, record, str(exc))
                    count("parked", "unknown")
            fresh = await self._claim(session, [env for _, env in decoded])
            new: list[tuple[ConsumerRecord, Envelope]] = []
            for record, env in decoded:
                if env.event_id in fresh:
                    fresh.discard(env.event_id)  # the same event twice in one batch counts once
                    new.append((record, env))
                else:
                    count("duplicate", env.type)
            try:
                async with session.begin_nested():
                    for _, env in new:
                        await self._apply_traced(session, env)
            except JixiaoError:
                for record, env in new:
                    try:
                        async with session.begin_nested():
                            await self._apply_traced(session, env)
                    except JixiaoError as exc:
                        # The inbox row stays: a parked event is processed (once), not retried.
                        await self._park(session, record, f"{type(exc).__name__}: {exc.detail}")
                        log.warning("consumer.parked", event_id=env.event_id, type=env.type, error=exc.detail)
                        count("parked", env.type)
                    else:
                        count("applied", env.type)
            else:
                for _, env in new:
                    count("applied", env.type)
            await self.handler.after_batch(session)
        return outcomes

    async def _claim(self, session: AsyncSession, envs: list[Envelope]) -> set[str]:
        """Insert inbox rows for the batch; returns the ids that were not there before."""
        if not envs:
            return set()
        inbox = self.tables.inbox
        rows = {e.event_id: dict(event_id=e.event_id, source=e.source, plan_id=e.plan_id, type=e.type) for e in envs}
        result = await session.execute(
            pg_insert(inbox).values(list(rows.values())).on_conflict_do_nothing().returning(inbox.c.event_id))
        return {r[0] for r in result}

    async def _apply_traced(self, session: AsyncSession, env: Envelope) -> None:
        token = trace_id_var.set(env.trace_id)
        try:
            await self.handler.apply(session, env)
        finally:
            trace_id_var.reset(token)

    async def _park(self, session: AsyncSession, record: ConsumerRecord, error: str) -> None:
        await session.execute(sa.insert(self.tables.dead_letters).values(
            topic=record.topic, partition=record.partition, offset=record.offset,
            key=record.key, value=record.value, error=error[:2000]))


class IdempotentConsumer:
    """One consumer-group member: getmany → apply in one transaction → commit offsets."""

    def __init__(self, applier: BatchApplier, kafka: KafkaSettings, topics: Sequence[str], group_id: str,
                 *, max_records: int = 1000, max_backoff: float = 10.0) -> None:
        self.applier = applier
        self.kafka = kafka
        self.topics = list(topics)
        self.group_id = group_id
        self.max_records = max_records
        self.max_backoff = max_backoff
        self._consumer: AIOKafkaConsumer | None = None
        self.ready = asyncio.Event()

    async def _start(self) -> AIOKafkaConsumer:
        await ensure_topics(self.kafka, self.topics, self.kafka.kafka_partitions,
                            self.kafka.kafka_replication)
        consumer = AIOKafkaConsumer(
            *self.topics, **client_kwargs(self.kafka), group_id=self.group_id,
            enable_auto_commit=False, auto_offset_reset="earliest",
            metadata_max_age_ms=5000)
        try:
            await consumer.start()
        except BaseException:
            await consumer.stop()
            raise
        return consumer

    async def run(self) -> None:
        """Consume forever, recreating the client after broker trouble (with backoff)."""
        backoff = 0.5
        while True:
            try:
                self._consumer = await self._start()
                self.ready.set()
                backoff = 0.5
                await self._loop(self._consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - log, back off, reconnect
                log.warning("consumer.retry", error=f"{type(exc).__name__}: {exc}", backoff_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
            finally:
                await self.stop()

    async def _loop(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batch: Mapping[TopicPartition, list[ConsumerRecord]] = await consumer.getmany(
                timeout_ms=500, max_records=self.max_records)
            await self._report_lag(consumer)
            if not batch:
                continue
            records = [r for tp in sorted(batch, key=lambda tp: (tp.topic, tp.partition)) for r in batch[tp]]
            try:
                await self.applier.apply(records)
            except Exception:
                # Not applied: rewind so the same records come again after the backoff.
                for tp, recs in batch.items():
                    consumer.seek(tp, recs[0].offset)
                raise
            await consumer.commit({tp: recs[-1].offset + 1 for tp, recs in batch.items()})

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        """Set the lag gauges; rewind a partition whose log is now shorter than our position.

        A position past the high-water mark means the broker lost the log (a restarted in-memory
        broker, a re-created topic): the records there now are new, so read it from the start
        again — the inbox makes the events already applied duplicates, not double counts.
        """
        # Lag from the fetch high-water mark: tansu answers end_offsets() wrongly.
        gauge = self.applier.metrics.consumer_lag
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            position = await consumer.position(tp)
            if position > high:
                log.warning("consumer.log_truncated", topic=tp.topic, partition=tp.partition,
                            position=position, highwater=high)
                await consumer.seek_to_beginning(tp)
                position = 0
            gauge.labels(tp.topic, str(tp.partition)).set(max(0, high - position))

    def assignment(self) -> set[TopicPartition]:
        """The partitions this group member holds now (empty while not joined)."""
        return set(self._consumer.assignment()) if self._consumer is not None else set()

    async def stop(self) -> None:
        consumer, self._consumer = self._consumer, None
        self.ready.clear()
        if consumer is not None:
            try:
                await consumer.stop()
            except Exception:  # noqa: BLE001 - discarding the client
                pass

"""Idempotent consumers: inbox row and state change in one transaction, offsets committed after it."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential

from jixiao.db import Database
from jixiao.errors import JixiaoError, Unavailable
from jixiao.logging import get_logger, trace_id_var
from jixiao.messaging.envelope import BadEnvelope, Envelope, decode
from jixiao.messaging.kafka_config import check_source, client_kwargs
from jixiao.messaging.outbox import MessagingTables
from jixiao.messaging.topics import ensure_topics
from jixiao.metrics import KernelMetrics
from jixiao.settings import KafkaSettings, service_settings

log = get_logger("jixiao.consumer")
_PRUNE_EVERY_S = 600.0

# SQLSTATE classes caused by the data a statement carries: 22 data exception (value too long, out
# of range, bad text), 23 integrity constraint violation. The same event fails the same way again.
_DATA_CLASSES = ("22", "23")
# Classes that pass: 08 connection, 40 transaction rollback (deadlock, serialization), 53
# insufficient resources, 57 operator intervention (shutdown), 58 system error.
_TRANSIENT_CLASSES = ("08", "40", "53", "57", "58")


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (exc, getattr(exc, "orig", None), getattr(getattr(exc, "orig", None), "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str) and code:
            return code
    return None


def is_poison(exc: BaseException) -> bool:
    """True for an error the event itself causes (parked, not retried): a JixiaoError other than
    Unavailable, or a database error about its data (SQLSTATE class 22 or 23)."""
    if isinstance(exc, JixiaoError):
        return not isinstance(exc, Unavailable)
    if isinstance(exc, sa_exc.DBAPIError) and not exc.connection_invalidated:
        code = _sqlstate(exc)
        return code is not None and code[:2] in _DATA_CLASSES
    return False


def is_transient(exc: BaseException) -> bool:
    """True for an error that passes (database or a dependency away): retried with backoff."""
    if isinstance(exc, (Unavailable, OSError, TimeoutError, sa_exc.TimeoutError, sa_exc.DisconnectionError)):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
            return True
        code = _sqlstate(exc)
        return code is not None and code[:2] in _TRANSIENT_CLASSES
    return False


def describe_error(exc: BaseException) -> str:
    """What a dead letter records: the error's class and message (a database error's own, not the SQL)."""
    if isinstance(exc, JixiaoError):
        return f"{type(exc).__name__}: {exc.detail}"
    cause = getattr(exc, "orig", None)
    cause = getattr(cause, "__cause__", None) or cause or exc
    return f"{type(cause).__name__}: {str(cause).strip()}"[:2000]


class EventHandler(Protocol):
    """What a service plugs into a consumer: apply one event, then finish a batch."""

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        """Apply one new event inside the batch's transaction; a JixiaoError parks it as poison."""

    async def after_batch(self, session: AsyncSession) -> None:
        """Called once per batch, in the same transaction, after every event was applied."""

    # Optional (a handler without it does nothing on a loss):
    # async def resync(self, loss: BrokerLoss) -> None:
    #     """The broker lost events of these partitions: re-read the owners' snapshots."""


@dataclass(frozen=True)
class BrokerLoss:
    """The broker lost records we had not all read: a restarted in-memory broker, a re-created topic.

    `reason`: "log_shorter" (a log ends before where it ended or where we committed), "log_replayed"
    (records come again from below our committed offset: the group's offsets are gone),
    "topic_vanished" (a subscribed topic is no longer in the broker's metadata).
    """

    reason: str
    partitions: frozenset[TopicPartition]
    detail: str = ""


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
        Only when an event turns out to be poison (a JixiaoError, or a database error caused by its
        data: a value too long or out of range, a constraint it violates) is the batch re-applied
        event by event, each in its own savepoint, so the poison one is parked and the others still
        apply. Poison that shows only at the end of the batch (in `after_batch`) splits the batch
        into transactions of one event each, so again only the event that causes it is parked.
        Any other error (connection lost, deadlock, a bug) rolls back and is raised: retried.
        """
        try:
            outcomes, counted = await self._apply_batch(records)
        except Exception as exc:
            if not is_poison(exc):
                raise
            if len(records) > 1:
                log.warning("consumer.batch_split", records=len(records), error=describe_error(exc))
                outcomes = {"applied": 0, "duplicate": 0, "parked": 0}
                for record in records:
                    for outcome, n in (await self.apply([record])).items():
                        outcomes[outcome] += n
                return outcomes
            outcomes, counted = await self._park_alone(records[0], exc)
        for outcome, etype in counted:   # counted once committed: a retried batch is not counted twice
            self.metrics.events_consumed.labels(etype, outcome).inc()
        return outcomes

    async def _apply_batch(self, records: Sequence[ConsumerRecord]
                           ) -> tuple[dict[str, int], list[tuple[str, str]]]:
        outcomes = {"applied": 0, "duplicate": 0, "parked": 0}
        counted: list[tuple[str, str]] = []

        def count(outcome: str, etype: str) -> None:
            outcomes[outcome] += 1
            counted.append((outcome, etype))

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
            except Exception as exc:
                if not is_poison(exc):
                    raise
                for record, env in new:
                    try:
                        async with session.begin_nested():
                            await self._apply_traced(session, env)
                    except Exception as exc:
                        if not is_poison(exc):
                            raise
                        # The inbox row stays: a parked event is processed (once), not retried.
                        await self._park(session, record, describe_error(exc))
                        log.warning("consumer.parked", event_id=env.event_id, type=env.type,
                                    error=describe_error(exc))
                        count("parked", env.type)
                    else:
                        count("applied", env.type)
            else:
                for _, env in new:
                    count("applied", env.type)
            await self.handler.after_batch(session)
        return outcomes, counted

    async def _park_alone(self, record: ConsumerRecord, exc: BaseException
                          ) -> tuple[dict[str, int], list[tuple[str, str]]]:
        """Park one record whose transaction failed as poison (in `after_batch`), with its inbox row."""
        async with self.db.transaction() as session:
            try:
                env = decode(record.value)
            except BadEnvelope:
                env = None
            if env is not None and not await self._claim(session, [env]):
                return {"applied": 0, "duplicate": 1, "parked": 0}, [("duplicate", env.type)]
            await self._park(session, record, describe_error(exc))
        etype = env.type if env is not None else "unknown"
        log.warning("consumer.parked", event_id=env.event_id if env else None, type=etype,
                    error=describe_error(exc))
        return {"applied": 0, "duplicate": 0, "parked": 1}, [("parked", etype)]

    async def resync(self, loss: BrokerLoss) -> None:
        """Tell the handler the broker lost events (its `resync`, if it has one), and count it."""
        hook = getattr(self.handler, "resync", None)
        log.warning("consumer.broker_loss", reason=loss.reason, detail=loss.detail,
                    partitions=sorted(f"{tp.topic}:{tp.partition}" for tp in loss.partitions),
                    resync=hook is not None)
        if hook is not None:
            await hook(loss)
        self.metrics.consumer_resyncs.labels(loss.reason).inc()

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


async def applied_by_source(session: AsyncSession, tables: MessagingTables, plan_id: str) -> dict[str, int]:
    """How many events of a plan were processed (applied or parked), per source: the inbox rows
    plus those pruned, read in one statement so a concurrent prune never makes a count jump."""
    inbox, pruned = tables.inbox, tables.inbox_pruned
    kept = (sa.select(inbox.c.source, sa.func.count().label("events")).where(inbox.c.plan_id == plan_id)
            .group_by(inbox.c.source))
    gone = sa.select(pruned.c.source, pruned.c.events).where(pruned.c.plan_id == plan_id)
    both = sa.union_all(kept, gone).subquery()
    q = sa.select(both.c.source, sa.func.sum(both.c.events)).group_by(both.c.source)
    return {source: int(n) for source, n in (await session.execute(q)).all()}


async def prune_inbox(session: AsyncSession, tables: MessagingTables, older_than: dt.datetime,
                      limit: int = 10_000) -> int:
    """Delete up to `limit` inbox rows processed before `older_than`, adding them to the per-source,
    per-plan pruned counts in the same statement; returns how many were deleted."""
    inbox, pruned = tables.inbox.name, tables.inbox_pruned.name
    # one statement: the rows deleted and the counts added commit together or not at all
    sql = sa.text(f"""
        WITH gone AS (
            DELETE FROM {inbox} WHERE event_id IN (
                SELECT event_id FROM {inbox} WHERE processed_at < :cutoff
                LIMIT :limit FOR UPDATE SKIP LOCKED)
            RETURNING source, plan_id),
        counted AS (
            INSERT INTO {pruned} (source, plan_id, events)
            SELECT source, plan_id, count(*) FROM gone GROUP BY source, plan_id
            ON CONFLICT (source, plan_id) DO UPDATE SET events = {pruned}.events + excluded.events
            RETURNING plan_id)
        SELECT count(*) FROM gone""")
    return int((await session.execute(sql, {"cutoff": older_than, "limit": limit})).scalar_one())


class IdempotentConsumer:
    """One consumer-group member: getmany → apply in one transaction → commit offsets."""

    def __init__(self, applier: BatchApplier, kafka: KafkaSettings, topics: Sequence[str], group_id: str,
                 *, max_records: int = 1000, max_backoff: float = 10.0, retry_for: float = 60.0,
                 inbox_retention_hours: int | None = None) -> None:
        self.applier = applier
        self.kafka = kafka
        self.topics = list(topics)
        self.group_id = group_id
        self.max_records = max_records
        self.max_backoff = max_backoff
        self.retry_for = retry_for
        self.inbox_retention = dt.timedelta(hours=service_settings().inbox_retention_hours
                                            if inbox_retention_hours is None else inbox_retention_hours)
        # When the oldest batch applied but whose offsets are not committed yet was applied: its
        # inbox rows (and any younger) must stay, or a redelivery would apply it twice.
        self._uncommitted_since: dt.datetime | None = None
        # What we know of each partition, to notice a broker that lost it (kept across clients).
        self._committed: dict[TopicPartition, int] = {}
        self._high: dict[TopicPartition, int] = {}
        self._topics_seen: set[str] = set()
        self._losses: list[BrokerLoss] = []
        self._next_prune = time.monotonic() + _PRUNE_EVERY_S / 10
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
                self._topics_seen.clear()   # a new client knows no topics yet: nothing vanished
                self._consumer = await self._start()
                self.ready.set()
                backoff = 0.5
                await self._loop(self._consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer.retry", error=f"{type(exc).__name__}: {exc}", backoff_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
            finally:
                await self.stop()

    async def _loop(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batch: Mapping[TopicPartition, list[ConsumerRecord]] = await consumer.getmany(
                timeout_ms=500, max_records=self.max_records)
            rewound = await self._report_lag(consumer)
            if rewound:   # fetched before the rewind: they come again from the start of the log
                batch = {tp: recs for tp, recs in batch.items() if tp not in rewound}
            await self._check_topics(consumer)
            self._check_replayed(batch)
            await self._resync()
            if not batch:
                continue
            records = [r for tp in sorted(batch, key=lambda tp: (tp.topic, tp.partition)) for r in batch[tp]]
            started = dt.datetime.now(dt.UTC)
            try:
                await self.apply(records)
            except Exception:
                # Not applied: rewind so the same records come again after the backoff.
                for tp, recs in batch.items():
                    consumer.seek(tp, recs[0].offset)
                raise
            self._uncommitted_since = self._uncommitted_since or started
            offsets = {tp: recs[-1].offset + 1 for tp, recs in batch.items()}
            await consumer.commit(offsets)
            self._committed.update(offsets)
            self._uncommitted_since = None
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + _PRUNE_EVERY_S
                await self._prune_quietly()

    def prune_cutoff(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """Inbox rows processed before this are pruned: older than the retention and applied before
        any batch whose offsets are not committed yet. None: keep every row (retention 0)."""
        if not self.inbox_retention:
            return None
        cutoff = (now or dt.datetime.now(dt.UTC)) - self.inbox_retention
        return min(cutoff, self._uncommitted_since) if self._uncommitted_since else cutoff

    async def prune_inbox_once(self, now: dt.datetime | None = None, *, rounds: int = 10) -> int:
        """Delete inbox rows older than the retention (keeping per-plan counts); returns how many.

        Keep the retention longer than the topics' retention: an event that can still be
        redelivered (a replay from the start of the log) must still find its inbox row."""
        cutoff = self.prune_cutoff(now)
        total = 0
        for _ in range(rounds if cutoff is not None else 0):
            async with self.applier.db.transaction() as session:
                n = await prune_inbox(session, self.applier.tables, cutoff)
            total += n
            if n == 0:
                break
        return total

    async def _prune_quietly(self) -> None:
        try:
            if pruned := await self.prune_inbox_once():
                log.info("inbox.pruned", events=pruned)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("inbox.prune_retry", error=describe_error(exc))

    async def apply(self, records: Sequence[ConsumerRecord]) -> dict[str, int]:
        """Apply a batch; while the database (or a dependency) is away, retry it with backoff.

        Poison is parked by the applier; a transient error is retried here for up to `retry_for`
        seconds (well inside the group's max poll interval), then raised so the client is rebuilt.
        """
        retrying = AsyncRetrying(
            retry=retry_if_exception(is_transient), reraise=True, stop=stop_after_delay(self.retry_for),
            wait=wait_exponential(multiplier=0.1, min=0.1, max=self.max_backoff),
            before_sleep=lambda state: log.warning(
                "consumer.retry_batch", attempt=state.attempt_number,
                error=describe_error(state.outcome.exception()) if state.outcome else None))
        async for attempt in retrying:
            with attempt:
                return await self.applier.apply(records)
        raise AssertionError("unreachable: tenacity returns or raises")

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> set[TopicPartition]:
        """Set the lag gauges; rewind a partition whose log is now shorter than it was.

        A log ends where it ended before or later: one whose high-water mark is below our position,
        below what we committed or below what it was means the broker lost the log (a restarted
        in-memory broker, a re-created topic). The records there now are new, so read it from the
        start again — the inbox makes the events already applied duplicates, not double counts —
        and the events lost with the old log are the handler's to resync. Returns the partitions
        rewound.
        """
        # Lag from the fetch high-water mark: tansu answers end_offsets() wrongly.
        gauge = self.applier.metrics.consumer_lag
        shorter: set[TopicPartition] = set()
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            position = await consumer.position(tp)
            before = max(self._high.get(tp, 0), self._committed.get(tp, 0), position)
            self._high[tp] = high
            if high < before:
                log.warning("consumer.log_truncated", topic=tp.topic, partition=tp.partition,
                            position=position, highwater=high, before=before)
                await consumer.seek_to_beginning(tp)
                self._committed.pop(tp, None)
                shorter.add(tp)
                position = 0
            gauge.labels(tp.topic, str(tp.partition)).set(max(0, high - position))
        if shorter:
            self._losses.append(BrokerLoss("log_shorter", frozenset(shorter), "a log ends before it ended"))
        return shorter

    def _check_replayed(self, batch: Mapping[TopicPartition, list[ConsumerRecord]]) -> None:
        """Records from below our committed offset: the broker forgot the group's offsets (and the
        log was regrown past where we were, or the short log was not seen)."""
        replayed = {tp for tp, recs in batch.items()
                    if recs and recs[0].offset < self._committed.get(tp, recs[0].offset)}
        for tp in replayed:
            self._committed.pop(tp, None)
        if replayed:
            self._losses.append(BrokerLoss("log_replayed", frozenset(replayed),
                                           "records again from below the committed offset"))

    async def _check_topics(self, consumer: AIOKafkaConsumer) -> None:
        """A subscribed topic the broker no longer knows: create it again and report the loss."""
        vanished = []
        for topic in self.topics:
            if consumer.partitions_for_topic(topic):
                self._topics_seen.add(topic)
            elif topic in self._topics_seen:
                vanished.append(topic)
        if not vanished:
            return
        self._topics_seen.difference_update(vanished)
        lost = frozenset(tp for tp in set(self._high) | set(self._committed) if tp.topic in vanished)
        for tp in lost:
            self._high.pop(tp, None)
            self._committed.pop(tp, None)
        self._losses.append(BrokerLoss("topic_vanished", lost, ", ".join(vanished)))
        await self._create_topics(vanished)

    async def _create_topics(self, topics: list[str]) -> None:
        await ensure_topics(self.kafka.kafka_bootstrap, topics, self.kafka.kafka_partitions,
                            self.kafka.kafka_replication)

    async def _resync(self) -> None:
        """Hand each loss to the applier; one that fails stays, to be handed again after the backoff."""
        while self._losses:
            await self.applier.resync(self._losses[0])
            self._losses.pop(0)

    def assignment(self) -> set[TopicPartition]:
        """The partitions this group member holds now (empty while not joined)."""
        return set(self._consumer.assignment()) if self._consumer is not None else set()

    async def stop(self) -> None:
        consumer, self._consumer = self._consumer, None
        self.ready.clear()
        if consumer is not None:
            try:
                await consumer.stop()
            except Exception:
                pass

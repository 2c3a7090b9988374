"""Idempotent consumers: inbox row and state change in one transaction, offsets committed after it."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential

from jixiao.logging import get_logger
from jixiao.messaging.failures import describe_error, is_transient
from jixiao.messaging.inbox import BatchApplier, BrokerLoss, EventHandler, prune_inbox  # noqa: F401  (re-exported)
from jixiao.messaging.kafka_config import client_kwargs
from jixiao.messaging.topics import TOPIC_OF_SERVICE, ensure_topics
from jixiao.settings import KafkaSettings, service_settings

log = get_logger("jixiao.consumer")


_PRUNE_EVERY_S = 600.0


class IdempotentConsumer:
    """One consumer-group member: getmany → apply in one transaction → commit offsets."""

    def __init__(
        self,
        applier: BatchApplier,
        kafka: KafkaSettings,
        topics: Sequence[str],
        group_id: str,
        *,
        max_records: int = 1000,
        max_backoff: float = 10.0,
        retry_for: float = 60.0,
        inbox_retention_hours: int | None = None,
    ) -> None:
        self.applier = applier
        self.kafka = kafka
        self.topics = list(topics)
        self.group_id = group_id
        self.max_records = max_records
        self.max_backoff = max_backoff
        self.retry_for = retry_for
        self.inbox_retention = dt.timedelta(
            hours=service_settings().inbox_retention_hours if inbox_retention_hours is None else inbox_retention_hours
        )
        # When the oldest batch applied but whose offsets are not committed yet was applied: its
        # inbox rows (and any younger) must stay, or a redelivery would apply it twice.
        self._uncommitted_since: dt.datetime | None = None
        # What we know of each partition, to notice a broker that lost it (kept across clients).
        self._committed: dict[TopicPartition, int] = {}
        self._high: dict[TopicPartition, int] = {}
        self._topics_seen: set[str] = set()
        self._losses: list[BrokerLoss] = []
        self._offsets_checked: set[TopicPartition] = set()
        self._next_prune = time.monotonic() + _PRUNE_EVERY_S / 10
        self._consumer: AIOKafkaConsumer | None = None
        self.ready = asyncio.Event()

    async def _start(self) -> AIOKafkaConsumer:
        await ensure_topics(self.kafka, self.topics, self.kafka.kafka_partitions, self.kafka.kafka_replication)
        consumer = AIOKafkaConsumer(
            *self.topics,
            **client_kwargs(self.kafka),
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=5000,
            fetch_max_wait_ms=self.kafka.kafka_fetch_max_wait_ms,
        )
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
                self._topics_seen.clear()  # a new client knows no topics yet: nothing vanished
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
                timeout_ms=500, max_records=self.max_records
            )
            rewound = await self._report_lag(consumer)
            if rewound:  # fetched before the rewind: they come again from the start of the log
                batch = {tp: recs for tp, recs in batch.items() if tp not in rewound}
            await self._check_topics(consumer)
            await self._check_offsets(consumer)
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
            retry=retry_if_exception(is_transient),
            reraise=True,
            stop=stop_after_delay(self.retry_for),
            wait=wait_exponential(multiplier=0.1, min=0.1, max=self.max_backoff),
            before_sleep=lambda state: log.warning(
                "consumer.retry_batch",
                attempt=state.attempt_number,
                error=describe_error(state.outcome.exception()) if state.outcome else None,
            ),
        )
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
                log.warning(
                    "consumer.log_truncated",
                    topic=tp.topic,
                    partition=tp.partition,
                    position=position,
                    highwater=high,
                    before=before,
                )
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
        replayed = {
            tp for tp, recs in batch.items() if recs and recs[0].offset < self._committed.get(tp, recs[0].offset)
        }
        for tp in replayed:
            self._committed.pop(tp, None)
        if replayed:
            self._losses.append(
                BrokerLoss("log_replayed", frozenset(replayed), "records again from below the committed offset")
            )

    async def _check_offsets(self, consumer: AIOKafkaConsumer) -> None:
        """A process that starts after the broker lost everything has no memory of the old logs:
        the loss shows as a group without committed offsets on any partition of a topic (assigned
        to us) although the inbox holds events of that topic's source. Checked once per partition
        and process; a topic where any of our partitions has an offset is not lost."""
        fresh = [tp for tp in consumer.assignment() if tp not in self._offsets_checked]
        if not fresh:
            return
        self._offsets_checked.update(fresh)
        by_topic: dict[str, list[TopicPartition]] = {}
        for tp in fresh:
            if tp not in self._committed:  # committed by this process: the other checks watch it
                by_topic.setdefault(tp.topic, []).append(tp)
        unknown = {}
        for topic, tps in by_topic.items():
            if all([await consumer.committed(tp) is None for tp in tps]):
                unknown[topic] = tps
        if not unknown:
            return
        seen = await self._sources_applied()
        source_of = {t: s for s, t in TOPIC_OF_SERVICE.items()}
        lost = frozenset(tp for topic, tps in unknown.items() if source_of.get(topic) in seen for tp in tps)
        if lost:
            log.warning("consumer.offsets_lost", partitions=sorted(f"{tp.topic}:{tp.partition}" for tp in lost))
            self._losses.append(BrokerLoss("offsets_lost", lost, "no committed offset, events of it applied before"))

    async def _sources_applied(self) -> set[str]:
        """The sources the inbox (or its pruned counts) holds events of."""
        tables = self.applier.tables
        q = sa.union(sa.select(tables.inbox.c.source).distinct(), sa.select(tables.inbox_pruned.c.source).distinct())
        async with self.applier.db.transaction() as session:
            return {r[0] for r in (await session.execute(q)).all()}

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
        await ensure_topics(
            self.kafka.kafka_bootstrap, topics, self.kafka.kafka_partitions, self.kafka.kafka_replication
        )

    async def _resync(self) -> None:
        """Hand the losses found so far to the applier as one: one broker loss shows on several
        partitions and topics, and as several signs (a shorter log, a vanished topic, replayed records)
        in the same detection pass, and every resync re-reads every lost source whole. If it fails the
        losses stay, to be handed again after the backoff.

        A loss is widened to every partition we hold: a broker that lost one log has most likely
        lost them all (an in-memory broker restarted), and a topic we had not read anything of
        yet shows no sign of it (nothing to be shorter than) although its unread events are gone."""
        if not self._losses:
            return
        pending = len(self._losses)
        await self.applier.resync(merge_losses(self._losses, self.assignment()))
        del self._losses[:pending]

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


def merge_losses(losses: Sequence[BrokerLoss], held: Iterable[TopicPartition] = ()) -> BrokerLoss:
    """One loss of all `losses` and the `held` partitions: their reasons (distinct, in order, joined by
    "+"), their details, every partition."""
    reasons = list(dict.fromkeys(loss.reason for loss in losses))
    details = list(dict.fromkeys(loss.detail for loss in losses if loss.detail))
    partitions = frozenset(held).union(*(loss.partitions for loss in losses))
    return BrokerLoss("+".join(reasons), partitions, "; ".join(details))

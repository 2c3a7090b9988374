"""Publishes outbox rows to Kafka in order per key, with retries and backoff, and marks them sent."""

from __future__ import annotations

import asyncio
import zlib
from datetime import UTC, datetime

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidRequestError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordTooLargeError,
)
from sqlalchemy.engine import Row

from jixiao.db import Database
from jixiao.logging import get_logger
from jixiao.messaging.kafka_config import client_kwargs
from jixiao.messaging.outbox import SHARDS
from jixiao.messaging.topics import ensure_topics
from jixiao.metrics import KernelMetrics
from jixiao.settings import KafkaSettings

log = get_logger("jixiao.relay")
_LOCK_NAMESPACE = 0x6A78  # "jx": advisory-lock namespace of the relays
# The broker refuses this record, not the connection: retrying cannot help, dead-letter it.
_RECORD_REFUSED = (MessageSizeTooLargeError, RecordTooLargeError, CorruptRecordException, InvalidRequestError)


def relay_lock_key(service: str, shard: int) -> tuple[int, int]:
    """The advisory lock (namespace, key) of one shard of one service's outbox.

    Services may share a database (each in its own schema): the key includes the service name so
    their relays never wait for each other's shards."""
    return _LOCK_NAMESPACE, zlib.crc32(f"{service}/{shard}".encode()) - 2**31


def _refused(exc: BaseException) -> bool:
    """True when the broker (or the client, before sending) refuses the record itself."""
    return isinstance(exc, _RECORD_REFUSED) or not isinstance(exc, KafkaError)


def _broker_trouble(exc: BaseException) -> bool:
    """A pass that failed on the broker's side (else on the database's, or a bug)."""
    return isinstance(exc, _PublishFailed | KafkaError | OSError | asyncio.TimeoutError)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class OutboxRelay:
    """Claims pending rows shard by shard (advisory lock + FOR UPDATE SKIP LOCKED) and publishes them."""

    def __init__(
        self,
        db: Database,
        outbox: sa.Table,
        kafka: KafkaSettings,
        metrics: KernelMetrics,
        topics: list[str],
        *,
        batch_size: int = 500,
        interval: float = 0.2,
        max_backoff: float = 10.0,
        producer: AIOKafkaProducer | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.kafka = kafka
        self.metrics = metrics
        self.topics = topics
        self.batch_size = batch_size
        self.interval = interval
        self.max_backoff = max_backoff
        self._producer: AIOKafkaProducer | None = producer  # given: tests (a fake producer)
        self._wake = asyncio.Event()
        self._next_shard = 0
        self.dead_letters: sa.Table | None = outbox.metadata.tables.get("outbox_dead_letters")

    def wake(self) -> None:
        """Ask for a pass now (after a commit that wrote events), instead of at the next tick."""
        self._wake.set()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            await ensure_topics(self.kafka, self.topics, self.kafka.kafka_partitions, self.kafka.kafka_replication)
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
            except Exception:
                pass

    def lock_key(self, shard: int) -> tuple[int, int]:
        """The advisory lock of one shard of this service's outbox (see `relay_lock_key`)."""
        return relay_lock_key(self.db.schema, shard)

    async def publish_pending(self) -> int:
        """One pass over the shards that hold unpublished rows; returns how many events were published.

        The pass first asks which shards have pending rows (one statement) and locks and reads only
        those: an idle relay costs one query per interval, not a transaction per shard.

        A record the broker refuses (too large, invalid) is that row's failure alone: the pass goes
        on with the row's other keys and the other shards, and after `kafka_publish_max_attempts`
        refusals the row moves to outbox_dead_letters. Broker or database trouble stops the pass
        (raises) after the shard it hit has kept its bookkeeping, so `run` backs off.
        """
        producer = await self._ensure_producer()
        pending = await self._pending_shards()
        if not pending:  # idle: one statement, no shard's lock or transaction
            self._set_backlog(0, 0.0)
            return 0
        published = 0
        start = self._next_shard
        for i in range(SHARDS):
            shard = (start + i) % SHARDS
            if shard not in pending:
                continue
            # the next pass begins after the shard that hit trouble, so no shard always goes last
            self._next_shard = (shard + 1) % SHARDS
            published += await self._publish_shard(producer, shard)
        self._next_shard = start  # no trouble: the next pass starts where this one did
        await self._update_backlog()
        return published

    async def _pending_shards(self) -> set[int]:
        """The shards that hold unpublished rows, in one statement: per shard one probe of the partial
        index `ix_outbox_pending` (shard, id WHERE published_at IS NULL), so it costs the same
        whatever the backlog. Rows committed after it are found by the next pass (or `wake`)."""
        t = self.outbox.c
        shards = sa.func.generate_series(0, SHARDS - 1).table_valued("shard").render_derived(name="shards")
        waiting = sa.exists().where(t.shard == shards.c.shard, t.published_at.is_(None))
        async with self.db.engine.connect() as conn:  # autocommit: no BEGIN/COMMIT round trips
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            return set((await conn.execute(sa.select(shards.c.shard).where(waiting))).scalars())

    async def _publish_shard(self, producer: AIOKafkaProducer, shard: int) -> int:
        t = self.outbox.c
        max_bytes = self.kafka.kafka_max_event_bytes
        async with self.db.transaction() as session:
            got = (await session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(*self.lock_key(shard))))).scalar()
            if not got:
                return 0  # another relay owns this shard right now
            rows = (
                await session.execute(
                    sa.select(t.id, t.topic, t.key, t.type, t.envelope, t.created_at, t.attempts)
                    .where(t.shard == shard, t.published_at.is_(None))
                    .order_by(t.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            # Order per key: after a row of a key fails, the key's later rows of this pass are not
            # sent; they wait until it is published or dead-lettered. Other keys go on. A row that
            # is dead-lettered in this pass blocks nothing: it will never go out, so nothing
            # overtakes it (and if this transaction rolls back, it is refused again next pass).
            final = self.kafka.kafka_publish_max_attempts
            blocked: set[str] = set()
            sent: list[tuple[Row, asyncio.Future]] = []
            refused: list[tuple[Row, str, bool]] = []  # (row, error, dead-letter now)
            trouble: str | None = None
            done: list[int] = []
            failed: list[tuple[int, str]] = []  # broker trouble: no attempt counted
            for row in rows:
                if row.key in blocked:
                    continue
                if len(row.envelope) + len(row.key.encode()) > max_bytes:
                    # written before the limit was enforced (or lowered since): it can never go
                    refused.append((row, f"EventTooLarge: {len(row.envelope)} bytes, more than {max_bytes}", True))
                    continue
                try:
                    sent.append((row, await producer.send(row.topic, row.envelope, key=row.key.encode())))
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if not _refused(exc):
                        trouble = _describe(exc)
                        failed.append((row.id, trouble))
                        break  # the broker is away: the rest of this shard would only time out
                    refused.append((row, _describe(exc), False))
                    if row.attempts + 1 < final:
                        blocked.add(row.key)
            for row, fut in sent:
                try:
                    await fut
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if _refused(exc):
                        refused.append((row, _describe(exc), False))
                    else:
                        failed.append((row.id, _describe(exc)))
                        trouble = trouble or _describe(exc)
                    if any(r.key == row.key and r.id > row.id for r, _ in sent):
                        # The broker refused it after the key's later rows were already in flight:
                        # those that are acknowledged went out first and stay published.
                        log.warning("relay.key_overtaken", key=row.key, outbox_id=row.id)
                    blocked.add(row.key)
                    continue
                done.append(row.id)
                self.metrics.outbox_publish_latency.observe(
                    max(0.0, (datetime.now(UTC) - row.created_at).total_seconds())
                )
                self.metrics.outbox_published.labels(row.topic).inc()
            if done:
                await session.execute(sa.update(self.outbox).where(t.id.in_(done)).values(published_at=sa.func.now()))
            for row_id, error in failed:
                await session.execute(sa.update(self.outbox).where(t.id == row_id).values(last_error=error[:2000]))
            dead: list[Row] = []
            for row, error, now in refused:
                if now or row.attempts + 1 >= final:
                    await self._dead_letter(session, row, error)
                    dead.append(row)
                else:
                    await session.execute(
                        sa.update(self.outbox)
                        .where(t.id == row.id)
                        .values(attempts=t.attempts + 1, last_error=error[:2000])
                    )
                    log.warning(
                        "relay.refused", outbox_id=row.id, type=row.type, error=error, attempts=row.attempts + 1
                    )
        for row in dead:  # counted once the move is committed
            self.metrics.outbox_dead_letters.labels(row.type).inc()
        if refused:
            self.metrics.relay_failures.labels("refused").inc(len(refused))
        if trouble:
            raise _PublishFailed(trouble)
        return len(done)

    async def _dead_letter(self, session, row: Row, error: str) -> None:
        """Move one outbox row to outbox_dead_letters (same transaction), with its error."""
        if self.dead_letters is None:
            raise RuntimeError("messaging_tables() declares outbox_dead_letters next to the outbox")
        t = self.outbox.c
        moved = (
            await session.execute(
                sa.delete(self.outbox)
                .where(t.id == row.id)
                .returning(t.id, t.event_id, t.topic, t.key, t.type, t.plan_id, t.envelope, t.created_at, t.attempts)
            )
        ).one()
        await session.execute(
            sa.insert(self.dead_letters).values(
                **moved._asdict() | {"attempts": moved.attempts + 1, "error": error[:2000]}
            )
        )
        log.error(
            "relay.dead_lettered",
            outbox_id=row.id,
            type=row.type,
            key=row.key,
            error=error,
            attempts=moved.attempts + 1,
        )

    async def _update_backlog(self) -> None:
        """Set the backlog gauges: rows not yet published, and the age of the oldest one (seconds,
        by the database's clock; 0 when none waits), so a relay that cannot publish shows."""
        t = self.outbox.c
        oldest = sa.func.extract("epoch", sa.func.now() - sa.func.min(t.created_at))
        async with self.db.transaction() as session:
            n, age = (
                await session.execute(
                    sa.select(sa.func.count(), oldest).select_from(self.outbox).where(t.published_at.is_(None))
                )
            ).one()
        self._set_backlog(n, float(age or 0))

    def _set_backlog(self, events: int, oldest_age_s: float) -> None:
        self.metrics.outbox_backlog.set(events)
        self.metrics.outbox_oldest_age.set(max(0.0, oldest_age_s))

    async def _update_backlog_quietly(self) -> None:
        try:
            await self._update_backlog()
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is away too: the gauges keep their last values
            pass

    async def run(self) -> None:
        """Publish forever; on broker or database trouble back off (0.2 s doubling to max) and retry."""
        backoff = self.interval
        while True:
            # cleared before the pass: a writer's wake() during it (after it asked which shards wait)
            # makes the next pass start at once instead of an interval later
            self._wake.clear()
            try:
                await self.publish_pending()
                backoff = self.interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("relay.retry", error=f"{type(exc).__name__}: {exc}", backoff_s=backoff)
                self.metrics.relay_failures.labels("broker" if _broker_trouble(exc) else "database").inc()
                await self._drop_producer()
                await self._update_backlog_quietly()  # the oldest row keeps ageing while we fail
                backoff = min(backoff * 2, self.max_backoff)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        await self._drop_producer()


class _PublishFailed(Exception):
    """The broker could not take rows (down, timing out); the pass stops so the relay backs off."""

"""Applying a batch of envelopes once: the inbox row and the state change in one transaction, a
savepoint per event, poison events parked; counts of processed events and the inbox's pruning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from aiokafka import ConsumerRecord, TopicPartition
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.db import Database
from jixiao.logging import get_logger, trace_id_var
from jixiao.messaging.envelope import BadEnvelope, Envelope, decode
from jixiao.messaging.failures import describe_error, is_poison
from jixiao.messaging.kafka_config import check_source
from jixiao.messaging.outbox import MessagingTables
from jixiao.metrics import KernelMetrics

log = get_logger("jixiao.consumer")


class EventHandler(Protocol):
    """What a service plugs into a consumer: apply one event, then finish a batch."""

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        """Apply one new event inside the batch's transaction; a JixiaoError parks it as poison."""

    async def after_batch(self, session: AsyncSession) -> None:
        """Called once per batch, in the same transaction, after every event was applied."""


@dataclass(frozen=True)
class BrokerLoss:
    """The broker lost records we had not all read: a restarted in-memory broker, a re-created topic.

    `reason`: "log_shorter" (a log ends before where it ended or where we committed), "log_replayed"
    (records come again from below our committed offset: the group's offsets are gone),
    "topic_vanished" (a subscribed topic is no longer in the broker's metadata), "offsets_lost" (a
    process started to find no committed offset of its group on a topic whose events it applied).
    """

    reason: str
    partitions: frozenset[TopicPartition]
    detail: str = ""


class BatchApplier:
    """Applies a batch of records exactly once each; independent of Kafka so it can be tested alone."""

    def __init__(
        self,
        db: Database,
        tables: MessagingTables,
        handler: EventHandler,
        metrics: KernelMetrics,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.tables = tables
        self.handler = handler
        self.metrics = metrics
        # called once a batch that applied events has committed: the runtime wakes its outbox relay,
        # so what the batch emitted is published now, not at the relay's next poll
        self.after_commit = after_commit

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
        for outcome, etype in counted:  # counted once committed: a retried batch is not counted twice
            self.metrics.events_consumed.labels(etype, outcome).inc()
        if outcomes["applied"] and self.after_commit is not None:
            self.after_commit()
        return outcomes

    async def _apply_batch(self, records: Sequence[ConsumerRecord]) -> tuple[dict[str, int], list[tuple[str, str]]]:
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
                        log.warning("consumer.parked", event_id=env.event_id, type=env.type, error=describe_error(exc))
                        count("parked", env.type)
                    else:
                        count("applied", env.type)
            else:
                for _, env in new:
                    count("applied", env.type)
            await self.handler.after_batch(session)
        return outcomes, counted

    async def _park_alone(
        self, record: ConsumerRecord, exc: BaseException
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
        log.warning("consumer.parked", event_id=env.event_id if env else None, type=etype, error=describe_error(exc))
        return {"applied": 0, "duplicate": 0, "parked": 1}, [("parked", etype)]

    async def resync(self, loss: BrokerLoss) -> None:
        """Tell the handler the broker lost events (its `resync`, if it has one), and count it with
        the facts the handler says it repaired ({source: n}, if it returns them)."""
        hook = getattr(self.handler, "resync", None)
        log.warning(
            "consumer.broker_loss",
            reason=loss.reason,
            detail=loss.detail,
            partitions=sorted(f"{tp.topic}:{tp.partition}" for tp in loss.partitions),
            resync=hook is not None,
        )
        repaired = await hook(loss) if hook is not None else None
        self.metrics.consumer_resyncs.labels(loss.reason).inc()
        for source, n in (repaired or {}).items():  # a hook may say what it repaired, per source
            self.metrics.consumer_resync_repairs.labels(source).inc(n)

    async def _claim(self, session: AsyncSession, envs: list[Envelope]) -> set[str]:
        """Insert inbox rows for the batch; returns the ids that were not there before."""
        if not envs:
            return set()
        inbox = self.tables.inbox
        rows = {e.event_id: dict(event_id=e.event_id, source=e.source, plan_id=e.plan_id, type=e.type) for e in envs}
        result = await session.execute(
            pg_insert(inbox).values(list(rows.values())).on_conflict_do_nothing().returning(inbox.c.event_id)
        )
        return {r[0] for r in result}

    async def _apply_traced(self, session: AsyncSession, env: Envelope) -> None:
        token = trace_id_var.set(env.trace_id)
        try:
            await self.handler.apply(session, env)
        finally:
            trace_id_var.reset(token)

    async def _park(self, session: AsyncSession, record: ConsumerRecord, error: str) -> None:
        await session.execute(
            sa.insert(self.tables.dead_letters).values(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=record.key,
                value=record.value,
                error=error[:2000],
            )
        )


async def applied_by_source(session: AsyncSession, tables: MessagingTables, plan_id: str) -> dict[str, int]:
    """How many events of a plan were processed (applied or parked), per source: the inbox rows
    plus those pruned, read in one statement so a concurrent prune never makes a count jump."""
    inbox, pruned = tables.inbox, tables.inbox_pruned
    kept = (
        sa.select(inbox.c.source, sa.func.count().label("events"))
        .where(inbox.c.plan_id == plan_id)
        .group_by(inbox.c.source)
    )
    gone = sa.select(pruned.c.source, pruned.c.events).where(pruned.c.plan_id == plan_id)
    both = sa.union_all(kept, gone).subquery()
    q = sa.select(both.c.source, sa.func.sum(both.c.events)).group_by(both.c.source)
    return {source: int(n) for source, n in (await session.execute(q)).all()}


async def prune_inbox(
    session: AsyncSession, tables: MessagingTables, older_than: dt.datetime, limit: int = 10_000
) -> int:
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

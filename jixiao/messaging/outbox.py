"""The transactional outbox: events are rows written in the same transaction as the state change."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import Envelope, make_envelope
from jixiao.settings import kafka_settings

SHARDS = 16  # relays take whole shards, so one key is only ever published by one relay at a time


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode()) % SHARDS


class EventTooLarge(InvalidInput):
    """An event is larger than the broker accepts (`JIXIAO_KAFKA_MAX_EVENT_BYTES`): refused when written."""

    title = "Event too large"


@dataclass(frozen=True)
class MessagingTables:
    outbox: sa.Table
    inbox: sa.Table
    dead_letters: sa.Table
    outbox_pruned: sa.Table
    outbox_dead_letters: sa.Table
    inbox_pruned: sa.Table


def messaging_tables(metadata: sa.MetaData) -> MessagingTables:
    """Declare the outbox, inbox and dead-letter tables in a service's metadata."""
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("shard", sa.SmallInteger, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("envelope", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Index("ix_outbox_pending", "shard", "id", postgresql_where=sa.text("published_at IS NULL")),
        sa.Index("ix_outbox_plan", "plan_id"),
    )
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Index("ix_inbox_source_plan", "source", "plan_id"),
    )
    dead_letters = sa.Table(
        "dead_letters",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("key", sa.LargeBinary),
        sa.Column("value", sa.LargeBinary),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    outbox_pruned = _outbox_pruned(metadata)
    return MessagingTables(
        outbox, inbox, dead_letters, outbox_pruned, _outbox_dead_letters(metadata), _inbox_pruned(metadata)
    )


def _outbox_pruned(metadata: sa.MetaData) -> sa.Table:
    # Per plan, how many published outbox rows were deleted: positions stay counts of all events.
    return sa.Table(
        "outbox_pruned",
        metadata,
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("events", sa.BigInteger, nullable=False),
    )


def _outbox_dead_letters(metadata: sa.MetaData) -> sa.Table:
    # Outbox rows the broker refused `kafka_publish_max_attempts` times (or too large to send):
    # moved here with their error so the relay goes on; they still count in a plan's position.
    return sa.Table(
        "outbox_dead_letters",
        metadata,
        sa.Column("id", sa.BigInteger, primary_key=True),  # the outbox row's id
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("envelope", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Index("ix_outbox_dead_letters_plan", "plan_id"),
    )


def _inbox_pruned(metadata: sa.MetaData) -> sa.Table:
    # Per source and plan, how many inbox rows were deleted: "events applied" stays a count of all.
    return sa.Table(
        "inbox_pruned",
        metadata,
        sa.Column("source", sa.String(50), primary_key=True),
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("events", sa.BigInteger, nullable=False),
    )


def create_messaging_tables(op) -> None:
    """For a service's first Alembic migration: create every table `messaging_tables` declares.

    Later kernel tables are created only if missing, so a service whose first migration ran before
    they existed adds them with its own later migration (which calls the same helpers)."""
    tables = messaging_tables(sa.MetaData())
    bind = op.get_bind()
    for table in (tables.outbox, tables.inbox, tables.dead_letters):
        table.create(bind)
    for table in (tables.outbox_pruned, tables.outbox_dead_letters, tables.inbox_pruned):
        table.create(bind, checkfirst=True)


def create_outbox_pruned(op) -> None:
    """For a service's migration that adds outbox pruning (the table `messaging_tables` declares)."""
    _outbox_pruned(sa.MetaData()).create(op.get_bind(), checkfirst=True)


def create_outbox_dead_letters(op) -> None:
    """For a service's migration that adds the relay's dead letters and inbox pruning counts."""
    metadata = sa.MetaData()
    for table in (_outbox_dead_letters(metadata), _inbox_pruned(metadata)):
        table.create(op.get_bind(), checkfirst=True)


def drop_outbox_dead_letters(op) -> None:
    """The downgrade of `create_outbox_dead_letters`."""
    op.drop_table("inbox_pruned")
    op.drop_table("outbox_dead_letters")


def _sibling(table: sa.Table, name: str) -> sa.Table | None:
    """Another messaging table declared in the same metadata (by `messaging_tables`)."""
    return table.metadata.tables.get(name)


def max_event_bytes() -> int:
    """The configured largest event (envelope and key) the outbox accepts."""
    return kafka_settings().kafka_max_event_bytes


class Outbox:
    """Writes events of one service into its outbox table, inside the caller's transaction."""

    def __init__(
        self, table: sa.Table, source: str, topic: str, pruned: sa.Table | None = None, *, max_bytes: int | None = None
    ) -> None:
        self.table = table
        self.source = source
        self.topic = topic
        self.pruned = pruned
        self.dead = _sibling(table, "outbox_dead_letters")
        self.max_bytes = max_bytes or max_event_bytes()

    async def add(
        self,
        session: AsyncSession,
        payload: Message,
        *,
        plan_id: str,
        unit_id: str = "",
        aggregate_id: str = "",
        version: int = 0,
    ) -> Envelope:
        """Record one event; it is published by the relay after the transaction commits."""
        env, row = self._row(payload, plan_id=plan_id, unit_id=unit_id, aggregate_id=aggregate_id, version=version)
        await session.execute(sa.insert(self.table).values(**row))
        return env

    async def add_many(self, session: AsyncSession, items: list[tuple[Message, dict[str, Any]]]) -> list[Envelope]:
        """Record many events (payload, add()'s keyword arguments) in one statement, in order: one
        round trip to the database instead of one per event (a bulk import emits thousands)."""
        built = [self._row(payload, **kwargs) for payload, kwargs in items]
        if built:
            await session.execute(sa.insert(self.table), [row for _, row in built])
        return [env for env, _ in built]

    def _row(
        self, payload: Message, *, plan_id: str, unit_id: str = "", aggregate_id: str = "", version: int = 0
    ) -> tuple[Envelope, dict[str, Any]]:
        env = make_envelope(
            source=self.source,
            payload=payload,
            plan_id=plan_id,
            unit_id=unit_id,
            aggregate_id=aggregate_id,
            version=version,
        )
        key = unit_id or plan_id
        data = env.SerializeToString(deterministic=True)
        if len(data) + len(key.encode()) > self.max_bytes:
            # refused here, in the writer's transaction: in a request a 422, in a consumer a poison
            # event; once in the outbox it would be refused by the broker at every attempt
            raise EventTooLarge(
                f"{env.type} event of {len(data)} bytes is larger than the {self.max_bytes} bytes an event may have"
            )
        row = dict(
            event_id=env.event_id,
            topic=self.topic,
            key=key,
            shard=shard_of(key),
            type=env.type,
            plan_id=plan_id,
            envelope=data,
        )
        return env, row

    async def plans(self, session: AsyncSession) -> list[str]:
        """Every plan this service has committed an event for (kept, pruned or dead-lettered), sorted."""
        selects = [sa.select(self.table.c.plan_id).distinct()]
        if self.pruned is not None:
            selects.append(sa.select(self.pruned.c.plan_id).distinct())
        if self.dead is not None:
            selects.append(sa.select(self.dead.c.plan_id).distinct())
        rows = (await session.execute(sa.union(*selects))).all()
        return sorted({r[0] for r in rows if r[0]})

    async def position(self, session: AsyncSession, plan_id: str) -> int:
        """How many events this service has committed for a plan (a consistency token).

        Rows still in the outbox plus those pruned plus those dead-lettered, read in one statement
        (one snapshot), so a concurrent prune or dead-lettering never makes the count jump.
        """
        kept = sa.select(sa.func.count()).select_from(self.table).where(self.table.c.plan_id == plan_id)
        total = kept.scalar_subquery()
        if self.pruned is not None:
            gone = sa.select(self.pruned.c.events).where(self.pruned.c.plan_id == plan_id)
            total = total + sa.func.coalesce(gone.scalar_subquery(), 0)
        if self.dead is not None:
            dead = sa.select(sa.func.count()).select_from(self.dead).where(self.dead.c.plan_id == plan_id)
            total = total + dead.scalar_subquery()
        return int((await session.execute(sa.select(total))).scalar_one())

    async def prune(self, session: AsyncSession, older_than: dt.datetime, limit: int = 10_000) -> int:
        """Delete up to `limit` rows published before `older_than`, adding them to the per-plan
        pruned counts in the same statement; returns how many were deleted."""
        if self.pruned is None:
            return 0
        # one statement: the rows deleted and the counts added commit together or not at all
        sql = sa.text(f"""
            WITH gone AS (
                DELETE FROM {self.table.name} WHERE id IN (
                    SELECT id FROM {self.table.name}
                    WHERE published_at IS NOT NULL AND published_at < :cutoff
                    ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED)
                RETURNING plan_id),
            counted AS (
                INSERT INTO {self.pruned.name} (plan_id, events)
                SELECT plan_id, count(*) FROM gone GROUP BY plan_id
                ON CONFLICT (plan_id) DO UPDATE SET events = {self.pruned.name}.events + excluded.events
                RETURNING plan_id)
            SELECT count(*) FROM gone""")
        return int((await session.execute(sql, {"cutoff": older_than, "limit": limit})).scalar_one())

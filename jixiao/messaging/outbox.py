"""The transactional outbox: events are rows written in the same transaction as the state change."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope, make_envelope

SHARDS = 16  # relays take whole shards, so one key is only ever published by one relay at a time


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode()) % SHARDS


@dataclass(frozen=True)
class MessagingTables:
    outbox: sa.Table
    inbox: sa.Table
    dead_letters: sa.Table


def messaging_tables(metadata: sa.MetaData) -> MessagingTables:
    """Declare the outbox, inbox and dead-letter tables in a service's metadata."""
    outbox = sa.Table(
        "outbox", metadata,
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
        "inbox", metadata,
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Index("ix_inbox_source_plan", "source", "plan_id"),
    )
    dead_letters = sa.Table(
        "dead_letters", metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("key", sa.LargeBinary),
        sa.Column("value", sa.LargeBinary),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    return MessagingTables(outbox, inbox, dead_letters)


def create_messaging_tables(op) -> None:
    """For a service's first Alembic migration: create the tables `messaging_tables` declares."""
    metadata = sa.MetaData()
    tables = messaging_tables(metadata)
    bind = op.get_bind()
    for table in (tables.outbox, tables.inbox, tables.dead_letters):
        table.create(bind)


class Outbox:
    """Writes events of one service into its outbox table, inside the caller's transaction."""

    def __init__(self, table: sa.Table, source: str, topic: str) -> None:
        self.table = table
        self.source = source
        self.topic = topic

    async def add(self, session: AsyncSession, payload: Message, *, plan_id: str, unit_id: str = "",
                  aggregate_id: str = "", version: int = 0) -> Envelope:
        """Record one event; it is published by the relay after the transaction commits."""
        env = make_envelope(source=self.source, payload=payload, plan_id=plan_id, unit_id=unit_id,
                            aggregate_id=aggregate_id, version=version)
        key = unit_id or plan_id
        await session.execute(sa.insert(self.table).values(
            event_id=env.event_id, topic=self.topic, key=key, shard=shard_of(key), type=env.type,
            plan_id=plan_id, envelope=env.SerializeToString(deterministic=True)))
        return env

    async def position(self, session: AsyncSession, plan_id: str) -> int:
        """How many events this service has committed for a plan (a consistency token)."""
        q = sa.select(sa.func.count()).select_from(self.table).where(self.table.c.plan_id == plan_id)
        return int((await session.execute(q)).scalar_one())

"""The consumer when the database refuses an event's data, or goes away for a moment."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.db import Database
from jixiao.messaging.consumer import IdempotentConsumer
from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.messaging.inbox import BatchApplier, applied_by_source
from jixiao.messaging.outbox import Outbox
from jixiao.metrics import kernel_metrics
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.settings import KafkaSettings
from jixiao.testing import toy_service as toy

pytestmark = pytest.mark.integration


class TroubleHandler(toy.SeenHandler):
    """SeenHandler, with events whose data the database refuses, or that cut the connection once."""

    def __init__(self) -> None:
        super().__init__()
        self.cut = False
        self.late: str | None = None

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        name = payload_of(env).name
        if name == "numeric-overflow":  # numeric field overflow, SQLSTATE 22003
            await session.execute(sa.text("SELECT CAST(12345 AS numeric(3, 0))"))
        elif name == "string-too-long":  # value too long for character varying(36), 22001
            await session.execute(
                sa.insert(toy.tables.inbox).values(event_id="x" * 40, source="t", plan_id="p", type="t")
            )
        elif name == "late-overflow":  # fails only when the batch finishes
            self.late = env.event_id
        elif name == "cut-once" and not self.cut:
            self.cut = True
            await session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
        await super().apply(session, env)

    async def after_batch(self, session: AsyncSession) -> None:
        late, self.late = self.late, None
        if late is not None:
            await session.execute(sa.text("SELECT CAST(:v AS numeric(3, 0))"), {"v": 12345})
        await super().after_batch(session)


def _record(value: bytes, offset: int) -> ConsumerRecord:
    return ConsumerRecord(
        topic="jixiao.indicators.v1",
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


async def _records(db: Database, names: list[str]) -> list[ConsumerRecord]:
    outbox = Outbox(toy.tables.outbox, "indicators", "jixiao.indicators.v1")
    async with db.transaction() as s:
        envs = [
            await outbox.add(s, indicators_pb2.UnitUpserted(unit_id=n, name=n), plan_id="p", unit_id=n) for n in names
        ]
    return [_record(e.SerializeToString(), i) for i, e in enumerate(envs)]


async def _seen(db: Database) -> list[str]:
    async with db.transaction() as s:
        return list((await s.execute(sa.select(toy.seen.c.unit_id).order_by(toy.seen.c.n))).scalars())


async def _parked(db: Database) -> dict[int, str]:
    dl = toy.tables.dead_letters
    async with db.transaction() as s:
        return {r.offset: r.error for r in (await s.execute(sa.select(dl.c.offset, dl.c.error)))}


@pytest.fixture
async def db(database_url):
    await toy.create_schema(database_url)
    database = Database(database_url, "indicators")
    yield database
    await database.dispose()


async def test_a_data_error_parks_its_event_and_the_rest_of_the_batch_applies(db):
    metrics = kernel_metrics("indicators", CollectorRegistry())
    applier = BatchApplier(db, toy.tables, TroubleHandler(), metrics)
    records = await _records(db, ["u1", "numeric-overflow", "u2", "string-too-long", "u3"])

    assert await applier.apply(records) == {"applied": 3, "duplicate": 0, "parked": 2}
    assert await _seen(db) == ["u1", "u2", "u3"]
    parked = await _parked(db)
    assert sorted(parked) == [1, 3]
    assert "NumericValueOutOfRange" in parked[1] and "StringDataRightTruncation" in parked[3]
    assert metrics.events_consumed.labels("UnitUpserted", "parked")._value.get() == 2
    # parked like poison: processed once, a redelivery is a duplicate, not a retry
    assert await applier.apply(records) == {"applied": 0, "duplicate": 5, "parked": 0}


async def test_a_data_error_at_the_end_of_a_batch_parks_only_the_event_that_caused_it(db):
    applier = BatchApplier(db, toy.tables, TroubleHandler(), kernel_metrics("indicators", CollectorRegistry()))
    records = await _records(db, ["u1", "late-overflow", "u2"])

    assert await applier.apply(records) == {"applied": 2, "duplicate": 0, "parked": 1}
    assert await _seen(db) == ["u1", "u2"]
    assert list(await _parked(db)) == [1]
    assert await applier.apply(records) == {"applied": 0, "duplicate": 3, "parked": 0}


async def test_a_lost_connection_is_retried_not_parked(db):
    applier = BatchApplier(db, toy.tables, TroubleHandler(), kernel_metrics("indicators", CollectorRegistry()))
    consumer = IdempotentConsumer(applier, KafkaSettings(), ["jixiao.indicators.v1"], "g", max_backoff=0.2)
    records = await _records(db, ["u1", "cut-once", "u2"])

    assert await consumer.apply(records) == {"applied": 3, "duplicate": 0, "parked": 0}
    assert applier.handler.cut
    assert await _seen(db) == ["u1", "cut-once", "u2"]
    assert await _parked(db) == {}


async def _inbox_rows(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(sa.select(sa.func.count()).select_from(toy.tables.inbox))).scalar_one())


async def _applied(db: Database, plan_id: str = "p") -> dict[str, int]:
    async with db.transaction() as s:
        return await applied_by_source(s, toy.tables, plan_id)


async def test_pruning_the_inbox_keeps_the_counts_of_applied_events(db):
    """Old inbox rows go; events applied per source and plan (scoring's consistency) stay the same."""
    applier = BatchApplier(db, toy.tables, TroubleHandler(), kernel_metrics("indicators", CollectorRegistry()))
    consumer = IdempotentConsumer(applier, KafkaSettings(), ["jixiao.indicators.v1"], "g", inbox_retention_hours=24)
    old = await _records(db, ["u1", "numeric-overflow", "u2"])
    assert await applier.apply(old) == {"applied": 2, "duplicate": 0, "parked": 1}
    assert await _applied(db) == {"indicators": 3}

    assert await consumer.prune_inbox_once() == 0  # younger than a day: kept
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    consumer._uncommitted_since = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    assert await consumer.prune_inbox_once(now=later) == 0  # a batch not yet committed: kept
    consumer._uncommitted_since = None
    assert await consumer.prune_inbox_once(now=later) == 3
    assert await _inbox_rows(db) == 0 and await _applied(db) == {"indicators": 3}

    assert await applier.apply(await _records(db, ["u3"])) == {"applied": 1, "duplicate": 0, "parked": 0}
    assert await _applied(db) == {"indicators": 4} and await _applied(db, "other") == {}
    assert (
        await IdempotentConsumer(applier, KafkaSettings(), [], "g", inbox_retention_hours=0).prune_inbox_once(
            now=later + dt.timedelta(days=9999)
        )
        == 0
    )

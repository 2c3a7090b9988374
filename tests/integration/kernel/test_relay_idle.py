"""An idle relay asks once which shards wait (one statement) instead of locking and reading each of
the 16 shards in its own transaction every pass; rows in a few shards are still all published."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry

from jixiao.db import Database
from jixiao.messaging.outbox import Outbox, shard_of
from jixiao.messaging.relay import OutboxRelay
from jixiao.messaging.topics import ensure_topics
from jixiao.metrics import kernel_metrics
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.settings import KafkaSettings
from jixiao.testing import toy_service as toy

pytestmark = pytest.mark.integration
KEYS = ["unit-3", "unit-4", "unit-9", "unit-17"]  # shards 1, 2, 15 and 1 again


class StatementLog:
    """Every SQL statement the engine sends (an SQLAlchemy event listener), in order."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine.sync_engine
        self.statements: list[str] = []
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    def clear(self) -> None:
        self.statements.clear()

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def count(self, text: str) -> int:
        return sum(1 for s in self.statements if text in s)


async def _relay(database_url: str, broker_bootstrap: str) -> tuple[Database, OutboxRelay, Outbox, CollectorRegistry]:
    await toy.create_schema(database_url)
    topic = f"kernel-idle-{uuid.uuid4().hex[:8]}"
    await ensure_topics(broker_bootstrap, [topic], 4)
    db = Database(database_url, "indicators")
    registry = CollectorRegistry()
    relay = OutboxRelay(
        db,
        toy.tables.outbox,
        KafkaSettings(kafka_bootstrap=broker_bootstrap),
        kernel_metrics("indicators", registry),
        [topic],
    )
    return db, relay, Outbox(toy.tables.outbox, "indicators", topic), registry


async def test_an_idle_pass_is_one_statement_and_locks_no_shard(database_url, broker_bootstrap):
    db, relay, _, registry = await _relay(database_url, broker_bootstrap)
    log = StatementLog(db)
    try:
        assert await relay.publish_pending() == 0  # the producer starts; the outbox is empty
        log.clear()
        for _ in range(3):
            assert await relay.publish_pending() == 0
        assert log.count("pg_try_advisory_xact_lock") == 0
        assert log.count("FOR UPDATE") == 0
        assert len(log.statements) == 3, log.statements  # one question per pass
        assert registry.get_sample_value("jixiao_indicators_outbox_backlog_events") == 0
        assert registry.get_sample_value("jixiao_indicators_outbox_oldest_unpublished_age_seconds") == 0
    finally:
        log.close()
        await relay.stop()
        await db.dispose()


async def test_rows_in_a_few_shards_are_all_published_and_only_those_shards_locked(database_url, broker_bootstrap):
    db, relay, outbox, registry = await _relay(database_url, broker_bootstrap)
    shards = {shard_of(k) for k in KEYS}
    assert len(shards) == 3
    log = StatementLog(db)
    try:
        async with db.transaction() as s:
            for version in (1, 2):
                for key in KEYS:
                    await outbox.add(
                        s,
                        indicators_pb2.UnitUpserted(unit_id=key, name="x", version=version),
                        plan_id="p",
                        unit_id=key,
                        version=version,
                    )
        log.clear()
        assert await relay.publish_pending() == 2 * len(KEYS)
        assert log.count("pg_try_advisory_xact_lock") == len(shards)
        t = toy.tables.outbox
        async with db.transaction() as s:
            left = (await s.execute(sa.select(sa.func.count()).where(t.c.published_at.is_(None)))).scalar_one()
        assert left == 0
        assert registry.get_sample_value("jixiao_indicators_outbox_backlog_events") == 0
        log.clear()
        assert await relay.publish_pending() == 0
        assert log.count("pg_try_advisory_xact_lock") == 0
    finally:
        log.close()
        await relay.stop()
        await db.dispose()

"""A broker killed (kill -9) and restarted empty: the consumer notices the loss and calls the resync hook."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx
import pytest
import sqlalchemy as sa

from jixiao.db import Database
from jixiao.localstack.broker import TansuBroker
from jixiao.runtime import create_service_app
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing import toy_service as toy

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def _wait_for(predicate, timeout: float = 90.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := await predicate():
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_killed_and_restarted_broker_is_noticed_and_resynced(database_url, tmp_path):
    """More events after the restart than before, so the new log grows past the old position: only
    the consumer's memory of what it committed tells the loss apart from progress."""
    await toy.create_schema(database_url)
    broker = TansuBroker(tmp_path / "broker")
    broker.prepare()
    broker.start()
    app = create_service_app(
        toy.parts(True),
        ServiceSettings(service="indicators", migrate_on_start=False, relay_interval_ms=100),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap=broker.bootstrap, kafka_partitions=1),
    )
    db = Database(database_url, "indicators")

    async def seen() -> int:
        async with db.transaction() as s:
            return int((await s.execute(sa.select(sa.func.count()).select_from(toy.seen))).scalar_one())

    try:
        async with app.router.lifespan_context(app):
            handler: toy.SeenHandler = app.state.runtime.consumer.applier.handler
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
                for i in range(3):
                    assert (await http.post(f"/widgets/before-{i}")).status_code == 200
                await _wait_for(lambda: _is(seen, 3), what="events before the crash")
                assert handler.resyncs == []

                os.kill(broker.pid, signal.SIGKILL)
                broker.stop()  # reaps the killed process
                broker.start()  # same port, empty: no topics, no offsets
                for i in range(6):
                    assert (await http.post(f"/widgets/after-{i}")).status_code == 200
                await _wait_for(lambda: _is(seen, 9), what="events after the restart")

                async def resynced():
                    return handler.resyncs

                losses = await _wait_for(resynced, what="the resync hook")
        assert {tp.topic for loss in losses for tp in loss.partitions} == {"jixiao.indicators.v1"}
        assert app.state.runtime.metrics.consumer_resyncs.labels(losses[0].reason)._value.get() >= 1
    finally:
        await db.dispose()
        broker.stop()


async def _is(count, n: int) -> bool:
    value = await count()
    assert value <= n, f"more events applied than sent: {value}"
    return value == n


async def test_a_process_started_after_the_broker_lost_everything_resyncs(database_url, tmp_path):
    """The service was down while the broker lost its logs and offsets: the new process has no
    memory of the old log, but its inbox says it applied events of the topic whose group offsets
    are now gone — that is a loss too, and the resync hook is called without a new event."""
    await toy.create_schema(database_url)
    broker = TansuBroker(tmp_path / "broker")
    broker.prepare()
    broker.start()

    def app_on(bootstrap: str):
        return create_service_app(
            toy.parts(True),
            ServiceSettings(service="indicators", migrate_on_start=False, relay_interval_ms=100),
            DatabaseSettings(database_url=database_url),
            KafkaSettings(kafka_bootstrap=bootstrap, kafka_partitions=1),
        )

    db = Database(database_url, "indicators")

    async def seen() -> int:
        async with db.transaction() as s:
            return int((await s.execute(sa.select(sa.func.count()).select_from(toy.seen))).scalar_one())

    try:
        first = app_on(broker.bootstrap)
        async with first.router.lifespan_context(first):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://t") as http:
                for i in range(3):
                    assert (await http.post(f"/widgets/before-{i}")).status_code == 200
                await _wait_for(lambda: _is(seen, 3), what="events before the crash")
        os.kill(broker.pid, signal.SIGKILL)
        broker.stop()
        broker.start()  # empty: no topics, no group offsets

        second = app_on(broker.bootstrap)
        async with second.router.lifespan_context(second):
            handler: toy.SeenHandler = second.state.runtime.consumer.applier.handler

            async def resynced():
                return handler.resyncs

            losses = await _wait_for(resynced, what="the resync hook")
        assert losses[0].reason == "offsets_lost"
        assert {tp.topic for tp in losses[0].partitions} == {"jixiao.indicators.v1"}
        assert await seen() == 3
    finally:
        await db.dispose()
        broker.stop()

"""A writer's `wake()` that arrives while a relay pass runs is not lost: the next pass starts at once
instead of one poll interval later (the pass may have asked for pending shards before the commit)."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from jixiao.messaging.relay import OutboxRelay
from jixiao.metrics import kernel_metrics
from jixiao.settings import KafkaSettings
from jixiao.testing import toy_service as toy

pytestmark = pytest.mark.unit


class WokenDuringItsFirstPass(OutboxRelay):
    """No database or broker: a pass only counts itself; during the first one a writer commits."""

    def __init__(self) -> None:
        super().__init__(
            None,
            toy.tables.outbox,
            KafkaSettings(),
            kernel_metrics("indicators", CollectorRegistry()),
            ["t"],
            interval=3600,  # without the wake, the next pass is an hour away
        )
        self.passes = 0
        self.second_pass = asyncio.Event()

    async def publish_pending(self) -> int:
        self.passes += 1
        if self.passes == 1:
            self.wake()
        else:
            self.second_pass.set()
        return 0


async def test_a_wake_during_a_pass_starts_the_next_pass():
    relay = WokenDuringItsFirstPass()
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.wait_for(relay.second_pass.wait(), timeout=30)  # a guard against hanging, not a speed figure
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert relay.passes == 2

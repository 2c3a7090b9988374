"""The consumer rewinds a partition whose log became shorter than its position (broker lost its data)."""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry

from jixiao.messaging.consumer import IdempotentConsumer
from jixiao.metrics import kernel_metrics
from jixiao.settings import KafkaSettings

pytestmark = pytest.mark.unit
A, B = TopicPartition("jixiao.indicators.v1", 0), TopicPartition("jixiao.indicators.v1", 1)


class FakeKafkaConsumer:
    """Positions and high-water marks per partition, as an aiokafka consumer reports them."""

    def __init__(self, positions: dict, highwaters: dict) -> None:
        self.positions, self.highwaters = dict(positions), dict(highwaters)
        self.rewound: list[TopicPartition] = []

    def assignment(self) -> set:
        return set(self.positions)

    def highwater(self, tp):
        return self.highwaters.get(tp)

    async def position(self, tp) -> int:
        return self.positions[tp]

    async def seek_to_beginning(self, *tps) -> None:
        for tp in tps:
            self.rewound.append(tp)
            self.positions[tp] = 0


class _Applier:
    def __init__(self) -> None:
        self.metrics = kernel_metrics("unit-consumer", CollectorRegistry())


def _lag(applier: _Applier, tp: TopicPartition) -> float:
    return applier.metrics.consumer_lag.labels(tp.topic, str(tp.partition))._value.get()


async def test_a_shorter_log_is_read_again_from_the_start_and_others_are_left_alone():
    applier = _Applier()
    consumer = IdempotentConsumer(applier, KafkaSettings(), [A.topic], "g")
    fake = FakeKafkaConsumer({A: 500, B: 7}, {A: 3, B: 10})  # A: the broker came back with 3 records
    await consumer._report_lag(fake)
    assert fake.rewound == [A] and fake.positions == {A: 0, B: 7}
    assert (_lag(applier, A), _lag(applier, B)) == (3, 3)


async def test_no_high_water_mark_yet_changes_nothing():
    applier = _Applier()
    fake = FakeKafkaConsumer({A: 5}, {})
    await IdempotentConsumer(applier, KafkaSettings(), [A.topic], "g")._report_lag(fake)
    assert fake.rewound == [] and fake.positions == {A: 5}

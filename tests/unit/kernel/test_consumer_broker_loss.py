"""The consumer tells a lost log from progress: shorter than before, replayed, or gone."""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry

from jixiao.messaging.consumer import BrokerLoss, IdempotentConsumer
from jixiao.messaging.inbox import BatchApplier
from jixiao.metrics import kernel_metrics
from jixiao.settings import KafkaSettings

pytestmark = pytest.mark.unit
TOPIC = "jixiao.indicators.v1"
A, B = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)


class FakeKafkaConsumer:
    """Positions, high-water marks and topic metadata, as an aiokafka consumer reports them."""

    def __init__(self, positions: dict, highwaters: dict, topics: set[str] = frozenset({TOPIC})) -> None:
        self.positions, self.highwaters, self.topics = dict(positions), dict(highwaters), set(topics)
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

    def partitions_for_topic(self, topic):
        return {0, 1} if topic in self.topics else None


class RecordingHandler:
    def __init__(self) -> None:
        self.losses: list[BrokerLoss] = []

    async def resync(self, loss: BrokerLoss) -> None:
        self.losses.append(loss)


class OfflineConsumer(IdempotentConsumer):
    """The real consumer logic, with topic creation recorded instead of sent to a broker."""

    created: list[list[str]]

    async def _create_topics(self, topics: list[str]) -> None:
        self.created = [*getattr(self, "created", []), list(topics)]


def _consumer() -> tuple[OfflineConsumer, RecordingHandler]:
    handler = RecordingHandler()
    applier = BatchApplier(None, None, handler, kernel_metrics("unit-loss", CollectorRegistry()))
    return OfflineConsumer(applier, KafkaSettings(), [TOPIC], "g", inbox_retention_hours=0), handler


def _records(tp: TopicPartition, *offsets: int) -> list[ConsumerRecord]:
    return [ConsumerRecord(tp.topic, tp.partition, o, 0, 0, b"k", b"v", None, 1, 1, ()) for o in offsets]


async def test_a_log_that_ends_before_it_ended_is_a_loss_and_is_read_from_the_start():
    consumer, handler = _consumer()
    await consumer._report_lag(FakeKafkaConsumer({A: 5, B: 5}, {A: 5, B: 5}))
    fake = FakeKafkaConsumer({A: 2, B: 6}, {A: 2, B: 7})  # A's log came back with 2 records
    assert await consumer._report_lag(fake) == {A}
    await consumer._resync()
    assert fake.rewound == [A]
    assert [(loss.reason, loss.partitions) for loss in handler.losses] == [("log_shorter", {A})]
    await consumer._resync()  # handed over once
    assert len(handler.losses) == 1


async def test_records_again_from_below_the_committed_offset_are_a_loss():
    consumer, handler = _consumer()
    consumer._committed.update({A: 3, B: 3})
    consumer._check_replayed({A: _records(A, 0, 1, 2, 3, 4), B: _records(B, 3, 4)})  # A regrown past 3
    await consumer._resync()
    assert [(loss.reason, loss.partitions) for loss in handler.losses] == [("log_replayed", {A})]
    consumer._check_replayed({A: _records(A, 5)})
    assert consumer._losses == []


async def test_a_topic_that_vanished_is_a_loss_and_is_created_again():
    consumer, handler = _consumer()
    await consumer._report_lag(FakeKafkaConsumer({A: 5}, {A: 5}))
    await consumer._check_topics(FakeKafkaConsumer({A: 5}, {A: 5}))
    await consumer._check_topics(FakeKafkaConsumer({}, {}, topics=set()))
    await consumer._resync()
    assert [(loss.reason, loss.partitions) for loss in handler.losses] == [("topic_vanished", {A})]
    assert consumer.created == [[TOPIC]]


async def test_a_failing_resync_is_handed_over_again():
    consumer, handler = _consumer()
    calls = []

    async def flaky(loss):
        calls.append(loss)
        if len(calls) == 1:
            raise ConnectionError("snapshot service away")

    handler.resync = flaky
    consumer._losses.append(BrokerLoss("log_shorter", frozenset({A})))
    with pytest.raises(ConnectionError):
        await consumer._resync()
    await consumer._resync()
    assert len(calls) == 2 and consumer._losses == []


async def test_one_detection_pass_with_several_signs_on_several_topics_is_one_resync():
    other = TopicPartition("jixiao.scores.v1", 0)
    consumer, handler = _consumer()
    consumer._committed.update({A: 3, other: 4})
    await consumer._report_lag(FakeKafkaConsumer({A: 5, B: 5}, {A: 5, B: 5}))
    await consumer._report_lag(FakeKafkaConsumer({A: 2, B: 1}, {A: 2, B: 1}))  # both logs came back shorter
    consumer._check_replayed({other: _records(other, 0, 1)})  # and the other topic replays from 0
    await consumer._resync()
    await consumer._resync()  # nothing left to hand over
    assert [(loss.reason, loss.partitions) for loss in handler.losses] == [("log_shorter+log_replayed", {A, B, other})]


async def test_losses_handed_over_together_stay_together_when_the_resync_fails():
    consumer, handler = _consumer()
    calls = []

    async def flaky(loss):
        calls.append(loss)
        if len(calls) == 1:
            raise ConnectionError("snapshot service away")

    handler.resync = flaky
    consumer._losses += [BrokerLoss("log_shorter", frozenset({A})), BrokerLoss("topic_vanished", frozenset({B}), "t")]
    with pytest.raises(ConnectionError):
        await consumer._resync()
    await consumer._resync()
    assert [(c.reason, c.partitions, c.detail) for c in calls] == [("log_shorter+topic_vanished", {A, B}, "t")] * 2
    assert consumer._losses == []

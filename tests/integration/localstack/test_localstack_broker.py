import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

pytestmark = pytest.mark.integration


async def test_topic_with_12_partitions_round_trip(broker_bootstrap):
    topic = f"jixiao.test-{uuid.uuid4().hex[:8]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=broker_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=12, replication_factor=1)])
        [described] = await admin.describe_topics([topic])
        assert len(described["partitions"]) == 12
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=broker_bootstrap)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b'{"score": "91.5"}', key=b"unit-0042")
    finally:
        await producer.stop()

    # no consumer group: a group join takes ~5 s on tansu
    consumer = AIOKafkaConsumer(
        bootstrap_servers=broker_bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        tp = TopicPartition(topic, sent.partition)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        batch = await consumer.getmany(tp, timeout_ms=5000)
        [record] = batch[tp]
        assert (record.key, record.value) == (b"unit-0042", b'{"score": "91.5"}')
    finally:
        await consumer.stop()


def test_broker_pid_and_bootstrap(kafka_broker, broker_bootstrap):
    assert broker_bootstrap == kafka_broker.bootstrap
    assert broker_bootstrap.startswith("127.0.0.1:")

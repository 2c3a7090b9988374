"""The broker ceiling: raw aiokafka produce and consume rates on the local tansu broker.

    .venv/bin/python bench/bench_broker.py [--messages 200000] [--size 300] [--partitions 12]

Starts the broker as `jixiao up` does (jixiao/localstack/broker.py, memory storage), creates one
topic with 12 partitions, produces N messages of 300 bytes (fire-and-forget sends, acks=all,
awaited in chunks), then reads them all back with one consumer (getmany). These two rates are
the baselines the pipeline figures are divided by.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Result, quiet, rate, temp_dir

TOPIC = "bench.raw"


async def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def produce(bootstrap: str, topic: str, messages: list[bytes], chunk: int = 5000) -> float:
    """Seconds to send and have acknowledged every message (keys spread them over the partitions)."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    try:
        t0 = time.perf_counter()
        for i in range(0, len(messages), chunk):
            futures = [
                await producer.send(topic, value, key=b"%d" % n) for n, value in enumerate(messages[i : i + chunk], i)
            ]
            await asyncio.gather(*futures)
        return time.perf_counter() - t0
    finally:
        await producer.stop()


async def consume(bootstrap: str, topic: str, expected: int, timeout: float = 300) -> float:
    """Seconds for one consumer to read `expected` messages from the start of every partition."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{os.getpid()}-{time.monotonic_ns()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_bytes=16 * 1024 * 1024,
    )
    await consumer.start()
    try:
        seen = 0
        t0 = time.perf_counter()
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10000)
            seen += sum(len(v) for v in batch.values())
            if time.perf_counter() - t0 > timeout:
                raise SystemExit(f"consumed only {seen} of {expected} in {timeout:.0f} s")
        return time.perf_counter() - t0
    finally:
        await consumer.stop()


async def measure(bootstrap: str, n: int, size: int, partitions: int) -> tuple[float, float]:
    """(produce msg/s, consume msg/s) for `n` messages of `size` bytes on a new topic."""
    topic = f"{TOPIC}.{time.monotonic_ns()}"
    await create_topic(bootstrap, topic, partitions)
    messages = [os.urandom(size) for _ in range(n)]
    produced = await produce(bootstrap, topic, messages)
    consumed = await consume(bootstrap, topic, n)
    return n / produced, n / consumed


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--partitions", type=int, default=12)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    from jixiao.localstack import TansuBroker

    result = Result("broker", "Broker ceiling (raw aiokafka on the local tansu)", "python bench/bench_broker.py")
    with temp_dir("bench-broker") as tmp, TansuBroker(tmp) as broker:
        up, down = asyncio.run(measure(broker.bootstrap, args.messages, args.size, args.partitions))
    result.note(
        f"{args.messages:,} messages of {args.size} bytes on {args.partitions} partitions, one aiokafka producer"
        " (acks=all, linger 5 ms) and one consumer, both in this process; tansu with memory storage."
    )
    result.row("raw produce", rate(up), "", "", "(ceiling)")
    result.row("raw consume", rate(down), f"produce {rate(up)}", f"{down / up:.1f}× produce", "(ceiling)")
    result.data("produce_per_s", up)
    result.data("consume_per_s", down)
    result.save(args.out)
    return result


if __name__ == "__main__":
    main()

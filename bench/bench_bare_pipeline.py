"""The bare pipeline: a minimal consumer that reads events and writes their rows to PostgreSQL in
batches (no rules, no scoring) — the ceiling the database allows the real pipeline.

    .venv/bin/python bench/bench_bare_pipeline.py [--events 100000] [--size 300] [--batch 2000]

Alone, it starts the broker and an embedded PostgreSQL, produces N messages of 300 bytes on 12
partitions and times `bare_consume`: getmany → one COPY of (event id, partition, offset, key,
value) rows and an inbox-style primary key per batch, one transaction per batch, offsets committed
after it. bench/bench_pipeline.py runs the same function on the real indicators topic of its run,
so that the pipeline's figure is divided by a bare run over the very same events.
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

TABLE = """CREATE TABLE IF NOT EXISTS bench_bare.events (
    event_id text PRIMARY KEY, topic text NOT NULL, part integer NOT NULL, "offset" bigint NOT NULL,
    key bytea, value bytea NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"""


def _pg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def bare_consume(bootstrap: str, topic: str, db_url: str, expected: int, timeout: float = 300) -> float:
    """Seconds to read `expected` messages of `topic` from its start and write one row each, in
    batches (one transaction per getmany), committing the consumer's offsets after each batch."""
    import asyncpg
    from aiokafka import AIOKafkaConsumer

    conn = await asyncpg.connect(_pg(db_url))
    await conn.execute("CREATE SCHEMA IF NOT EXISTS bench_bare")
    await conn.execute("DROP TABLE IF EXISTS bench_bare.events")
    await conn.execute(TABLE)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-bare-{os.getpid()}-{time.monotonic_ns()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen = 0
        t0 = time.perf_counter()
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=500, max_records=2000)
            rows = [
                (f"{m.topic}:{m.partition}:{m.offset}", m.topic, m.partition, m.offset, m.key, m.value)
                for msgs in batch.values()
                for m in msgs
            ]
            if rows:
                async with conn.transaction():
                    await conn.copy_records_to_table(
                        "events",
                        schema_name="bench_bare",
                        records=rows,
                        columns=["event_id", "topic", "part", "offset", "key", "value"],
                    )
                await consumer.commit()
                seen += len(rows)
            if time.perf_counter() - t0 > timeout:
                raise SystemExit(f"bare consumer read only {seen} of {expected} in {timeout:.0f} s")
        return time.perf_counter() - t0
    finally:
        await consumer.stop()
        await conn.close()


async def standalone(bootstrap: str, db_url: str, n: int, size: int, partitions: int) -> tuple[float, float]:
    from bench.bench_broker import consume, create_topic, produce

    topic = f"bench.bare.{time.monotonic_ns()}"
    await create_topic(bootstrap, topic, partitions)
    await produce(bootstrap, topic, [os.urandom(size) for _ in range(n)])
    raw = await consume(bootstrap, topic, n)
    bare = await bare_consume(bootstrap, topic, db_url, n)
    return n / raw, n / bare


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--partitions", type=int, default=12)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    from jixiao.localstack import TansuBroker
    from jixiao.testing.servers import fresh_database, start_test_postgres, stop_server

    result = Result(
        "bare_pipeline", "Bare pipeline: consume and write rows to PostgreSQL, no rules", "bench_bare_pipeline.py"
    )
    with temp_dir("bench-bare") as tmp, TansuBroker(tmp / "broker") as broker:
        server = start_test_postgres(tmp / "pg")
        try:
            with fresh_database(server, prefix="bench") as url:
                raw, bare = asyncio.run(standalone(broker.bootstrap, url, args.events, args.size, args.partitions))
        finally:
            stop_server(server)
    result.note(
        f"{args.events:,} messages of {args.size} bytes on {args.partitions} partitions; the bare consumer COPYs one"
        " row per message (primary key on the event id) per getmany batch and commits its offsets after each."
    )
    result.row("bare consumer into PostgreSQL", rate(bare), f"raw consume {rate(raw)}", f"{bare / raw:.2f} of raw")
    result.data("bare_per_s", bare)
    result.data("raw_consume_per_s", raw)
    result.save(args.out)
    return result


if __name__ == "__main__":
    main()

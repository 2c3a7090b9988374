"""`jixiao events tail TOPIC`: print a topic's events decoded in one step (text, or canonical JSON).

Reads every partition without a consumer group (nothing is committed, nobody else is affected).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer

from jixiao_cli.app import DEFAULT_DATA_DIR, DataDir, fail, handles_errors

app = typer.Typer(no_args_is_help=True, help="Read the platform's Kafka topics (decoded events).")


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="events")


def _bootstrap(given: str | None, data_dir: Path) -> str:
    """--bootstrap, else the running local stack's broker (stack.json), else JIXIAO_KAFKA_BOOTSTRAP."""
    if given:
        return given
    if (data_dir / "stack.json").exists():
        from jixiao.localstack.stack import load_stack

        bootstrap = load_stack(data_dir).get("kafka_bootstrap")
        if bootstrap:
            return bootstrap
    return os.environ.get("JIXIAO_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


@app.command("tail")
@handles_errors
def tail(
    topic: Annotated[str, typer.Argument(help="e.g. jixiao.scores.v1")],
    from_beginning: Annotated[
        bool, typer.Option("--from-beginning", help="Start at the oldest kept event, not the end.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line (protobuf's canonical JSON mapping).")
    ] = False,
    limit: Annotated[int, typer.Option(min=0, help="Stop after this many events (0 = no limit).")] = 0,
    idle: Annotated[float, typer.Option(min=0, help="Stop after this many seconds without an event (0 = follow).")] = 0,
    bootstrap: Annotated[str | None, typer.Option(help="Kafka bootstrap servers (default: the local stack's).")] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Print the events of TOPIC as they arrive: the whole envelope with its payload, in one step.

    Text is protobuf's text format (what `protoc --decode` prints) after a `# partition/offset key`
    line; --json prints the same envelope in protobuf's canonical JSON mapping, one per line.
    """
    if topic not in _topics():
        fail(f"unknown topic {topic!r} (one of {', '.join(_topics())})")
    asyncio.run(_tail(topic, _bootstrap(bootstrap, data_dir), from_beginning, as_json, limit, idle))


def _topics() -> tuple[str, ...]:
    from jixiao.messaging.topics import ALL_TOPICS

    return ALL_TOPICS


async def _tail(topic: str, bootstrap: str, from_beginning: bool, as_json: bool, limit: int, idle: float) -> None:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from jixiao.messaging.envelope import BadEnvelope, decode, to_json, to_text

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, request_timeout_ms=15000)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        if from_beginning:
            await consumer.seek_to_beginning(*tps)
        else:
            await consumer.seek_to_end(*tps)
        seen, last = 0, time.monotonic()
        while not limit or seen < limit:
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            records = [r for tp in sorted(batch, key=lambda tp: tp.partition) for r in batch[tp]]
            if not records:
                if idle and time.monotonic() - last >= idle:
                    return
                continue
            last = time.monotonic()
            for record in records[: limit - seen if limit else None]:
                key = (record.key or b"").decode("utf-8", "replace")
                try:
                    env = decode(record.value or b"")
                except BadEnvelope as exc:
                    typer.echo(f"# partition {record.partition} offset {record.offset} key {key}: {exc}", err=True)
                    continue
                if as_json:
                    typer.echo(json.dumps(to_json(env), ensure_ascii=False))
                else:
                    typer.echo(f"# partition {record.partition} offset {record.offset} key {key}\n{to_text(env)}")
                seen += 1
    finally:
        await consumer.stop()


async def _partitions(consumer, topic: str) -> set[int]:
    """The topic's partitions (metadata may take a moment after start-up)."""
    deadline = time.monotonic() + 15
    while True:
        if topic in await consumer.topics():  # fetches fresh metadata
            partitions = consumer.partitions_for_topic(topic)
            if partitions:
                return partitions
        if time.monotonic() > deadline:
            fail(f"topic {topic} not found at the broker")
        await asyncio.sleep(0.5)

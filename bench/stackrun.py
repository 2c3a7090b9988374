"""Helpers for the benches that run the whole local stack: load a county through the services'
bulk APIs, watch the score events, read positions and per-service memory."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from bench.common import peak_rss_mb, rss_mb, service_pids
from jixiao_cli.client import StackClient
from jixiao_cli.commands.scoring_client import source_positions, wait_until_consistent
from jixiao_cli.importer import PARTS, _post_import, chunk_part

PLAN = "bailian-2026"


def import_parts(client: StackClient, doc: dict, keys: dict[str, tuple[str, ...]] | None = None) -> dict[str, float]:
    """POST each service its part of `doc` (`/v1/import`, as `jixiao import` does); seconds per service."""
    took = {}
    for service, part_keys in (keys or PARTS).items():
        t0 = time.perf_counter()
        # in chunks under the services' request limit, as `jixiao import` sends a county-sized part
        for body in chunk_part(service, {k: doc.get(k, []) for k in part_keys}):
            _post_import(client, service, body)
        took[service] = time.perf_counter() - t0
    return took


def positions(client: StackClient, plan: str = PLAN) -> dict[str, int]:
    """Events each source has committed for the plan (no fact digest: cheap)."""
    found = asyncio.run(source_positions(client.grpc, client.token, plan, with_facts=False))
    return {source: p.position for source, p in found.items()}


def consistent(client: StackClient, plan: str = PLAN, timeout: float = 900) -> None:
    wait_until_consistent(client, plan, timeout)


def memory(stack: dict[str, Any]) -> dict[str, dict[str, float]]:
    """RSS now and peak RSS (VmHWM) of every service process, MB."""
    out = {}
    for name, pid in service_pids(stack).items():
        try:
            out[name] = {"rss": rss_mb(pid), "peak": peak_rss_mb(pid)}
        except (OSError, Exception):
            continue
    return out


class ScoreWatcher:
    """Reads the scores topic from its end in a thread; keeps (arrival time, type, unit) of each event."""

    def __init__(self, bootstrap: str, topic: str = "jixiao.scores.v1") -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.events: list[tuple[float, str, str]] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> ScoreWatcher:
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("the score watcher did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    async def _run(self) -> None:
        from aiokafka import AIOKafkaConsumer

        from jixiao.messaging.envelope import decode

        consumer = AIOKafkaConsumer(
            self.topic, bootstrap_servers=self.bootstrap, auto_offset_reset="latest", fetch_max_wait_ms=20
        )  # the instrument: its own fetch wait must not count as the pipeline's latency (tansu)
        await consumer.start()
        try:
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=200)
            await consumer.seek_to_end()
            for tp in consumer.assignment():
                await consumer.position(tp)
            self._ready.set()
            while not self._stop.is_set():
                batch = await consumer.getmany(timeout_ms=100)
                now = time.time()
                for msgs in batch.values():
                    for m in msgs:
                        env = decode(m.value)
                        self.events.append((now, env.type, env.unit_id))
        finally:
            await consumer.stop()

    def updated(self, since: float = 0.0) -> list[tuple[float, str]]:
        return [(t, unit) for t, kind, unit in list(self.events) if kind == "UnitScoreUpdated" and t >= since]

    def last_arrival(self, since: float = 0.0) -> float:
        """When the last event (any type) arrived, 0.0 if none since `since`."""
        return max((t for t, _, _ in list(self.events) if t >= since), default=0.0)

    def quiet_for(self, seconds: float, timeout: float = 600) -> float:
        """Wait until no UnitScoreUpdated arrived for `seconds`; the arrival time of the last one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = max((t for t, _ in self.updated()), default=0.0)
            if last and time.time() - last >= seconds:
                return last
            time.sleep(0.2)
        raise TimeoutError("score events did not settle")

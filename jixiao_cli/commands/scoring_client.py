"""What the CLI asks of the scoring service (REST) and of the sources (gRPC positions)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jixiao.errors import Unavailable
from jixiao.fact_digest import FactDigest, lag
from jixiao.registry import SOURCES
from jixiao.rules import exactjson
from jixiao_cli.client import ServiceProblem, StackClient


def close(stack: StackClient, plan: str, period: str, actor: str, objections: Sequence[str] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {"actor": actor}
    if objections:
        body["objections"] = list(objections)
    return stack.post_json("scoring", f"/v1/plans/{plan}/periods/{period}/close", body)


def rescore(
    stack: StackClient,
    plan: str,
    period: str,
    actor: str,
    progress: Callable[[str, int, int], None] | None = None,
    objections: Sequence[str] = (),
) -> dict[str, Any]:
    """Run the re-score, reporting each step to `progress(stage, done, total)`; returns the report.
    `objections` (异议 ids) are the ones it follows: the next close records them with its new version."""
    body: dict[str, Any] = {"actor": actor}
    if objections:
        body["objections"] = list(objections)
    lines = stack.stream_lines(
        "scoring",
        "POST",
        f"/v1/plans/{plan}/periods/{period}/rescore",
        content=exactjson.dumps(body).encode(),
        headers={"content-type": "application/json", "accept": "application/x-ndjson"},
    )
    for line in lines:
        item = exactjson.loads(line)
        if "report" in item:
            return item["report"]
        if "error" in item:
            err = ServiceProblem(f"scoring: {item['error'].get('detail')}")
            err.status = int(item["error"].get("status", 500))
            raise err
        if progress:
            progress(item["stage"], int(item["done"]), int(item["total"]))
    raise Unavailable("scoring ended the re-score stream without a report")


def fetch_results(stack: StackClient, plan: str, period: str, version: int = 0) -> dict[str, Any]:
    params = {"version": version} if version else None
    response = stack.request("scoring", "GET", f"/v1/plans/{plan}/periods/{period}/results", params=params)
    return exactjson.loads(response.content)


@dataclass(frozen=True)
class SourcePosition:
    """A source's GetPosition: events committed, and the digest of its current facts (None: an older
    source that does not compute one)."""

    position: int
    facts: FactDigest | None


async def source_positions(
    grpc_targets: Mapping[str, str], token: str | None, plan: str, *, with_facts: bool = True
) -> dict[str, SourcePosition]:
    """Each source's GetPosition of the plan, with the digest of its facts (`with_facts`: each source
    reads its whole snapshot for it)."""
    from jixiao.grpc import bearer_metadata, channel
    from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc

    out: dict[str, SourcePosition] = {}
    for source in SOURCES:
        target = grpc_targets.get(source)
        if not target:
            raise Unavailable(f"no gRPC address for {source} (stack.json has none)")
        async with channel(target) as ch:
            reply = await snapshot_pb2_grpc.SnapshotServiceStub(ch).GetPosition(
                snapshot_pb2.GetPositionRequest(plan_id=plan, with_facts=with_facts),
                timeout=30,
                metadata=bearer_metadata(token),
            )
        facts = FactDigest(reply.facts.facts, reply.facts.sha256) if reply.HasField("facts") else None
        out[source] = SourcePosition(reply.position, facts)
    return out


def behind(sources: Mapping[str, SourcePosition], held: Mapping[str, Any]) -> dict[str, str]:
    """Per source, how far scoring's consistency document (`held`) is from what the source holds; empty
    when scoring holds every fact of every source at its latest version. A source (or a scoring) too old
    for fact digests is compared the old way: events committed against events applied."""
    digests = held.get("facts") or {}
    applied = held.get("applied") or {}
    out: dict[str, str] = {}
    for source, at in sorted(sources.items()):
        if at.facts is not None and source in digests:
            why = lag(source, at.facts, FactDigest(int(digests[source]["facts"]), str(digests[source]["sha256"])))
        else:
            missing = at.position - int(applied.get(source, 0))
            why = f"{source}: {missing} of {at.position} events not applied by scoring" if missing > 0 else None
        if why is not None:
            out[source] = why
    return out


async def wait_consistent(
    read_sources: Callable[[], Awaitable[Mapping[str, SourcePosition]]],
    read_held: Callable[[], Awaitable[Mapping[str, Any]]],
    timeout: float,
    poll: float = 0.3,
) -> None:
    """Poll until scoring holds every fact each source holds (`behind` is empty); `Unavailable` after
    `timeout` seconds with one line naming each source and how far behind scoring is. Between two
    checks it waits `poll` seconds, or twice as long as the last check took (each check reads every
    fact of the plan: on a large county the waiting must not become the load)."""
    deadline = time.monotonic() + timeout
    while True:
        started = time.monotonic()
        sources = await read_sources()
        lagging = behind(sources, await read_held())
        if not lagging:
            return
        if time.monotonic() > deadline:
            raise Unavailable(f"scoring has not caught up after {timeout:.0f} s: " + "; ".join(lagging.values()))
        await asyncio.sleep(max(poll, 2 * (time.monotonic() - started)))


def wait_until_consistent(stack: StackClient, plan: str, timeout: float) -> None:
    """Block until scoring holds every current fact of the plan that each source holds, at its latest
    version, however it got there (Kafka, a resync after a broker loss, a reconcile)."""

    async def held() -> Mapping[str, Any]:
        return await asyncio.to_thread(stack.get_json, "scoring", f"/v1/plans/{plan}/consistency")

    asyncio.run(wait_consistent(lambda: source_positions(stack.grpc, stack.token, plan), held, timeout))


def write_xlsx(doc: dict[str, Any], path: Path) -> None:
    """The results as a workbook: one row per unit, with Chinese and English headers."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = f"{doc['plan']} {doc['period']}"[:31]
    keys = sorted({k for u in doc["units"] for k in u.get("components", {})})
    ws.append(
        [
            "单位 unit",
            "分组 group",
            "状态 status",
            *keys,
            "总分 total",
            "等级 grade",
            "名次 rank",
            "一票否决 vetoed",
            "评优资格 award",
            "缺项 missing",
        ]
    )
    for u in doc["units"]:
        comps = u.get("components", {})
        ws.append(
            [
                u["unit"],
                u["group"],
                u["status"],
                *(comps.get(k) for k in keys),
                u.get("total"),
                u.get("grade"),
                u.get("rank"),
                u.get("vetoed"),
                u.get("award_eligible"),
                ", ".join(u.get("missing", [])),
            ]
        )
    wb.save(path)

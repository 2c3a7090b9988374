"""What the CLI asks of the scoring service (REST) and of the sources (gRPC positions)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jixiao.errors import Unavailable
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


async def _positions(stack: StackClient, plan: str) -> dict[str, int]:
    from jixiao.grpc import bearer_metadata, channel
    from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc

    out: dict[str, int] = {}
    for source in SOURCES:
        target = stack.grpc.get(source)
        if not target:
            raise Unavailable(f"no gRPC address for {source} (stack.json has none)")
        async with channel(target) as ch:
            reply = await snapshot_pb2_grpc.SnapshotServiceStub(ch).GetPosition(
                snapshot_pb2.GetPositionRequest(plan_id=plan), timeout=10, metadata=bearer_metadata(stack.token)
            )
        out[source] = reply.position
    return out


def wait_until_consistent(stack: StackClient, plan: str, timeout: float) -> None:
    """Block until scoring has applied every event each source has committed for the plan."""
    deadline = time.monotonic() + timeout
    while True:
        committed = asyncio.run(_positions(stack, plan))
        applied = stack.get_json("scoring", f"/v1/plans/{plan}/consistency").get("applied", {})
        behind = {s: committed[s] - int(applied.get(s, 0)) for s in SOURCES if committed[s] > int(applied.get(s, 0))}
        if not behind:
            return
        if time.monotonic() > deadline:
            raise Unavailable(f"scoring has not caught up after {timeout:.0f} s: events behind {behind}")
        time.sleep(0.3)


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

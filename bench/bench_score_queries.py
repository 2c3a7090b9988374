"""Score queries/s served by one scoring process vs a bare FastAPI endpoint returning the same JSON.

    .venv/bin/python bench/bench_score_queries.py [--scale 0.1] [--seconds 10] [--concurrency 16]

On the local stack, the county's plan, units and indicator results are imported (enough for every
unit to have a score) and scoring catches up. Then the same client (httpx, keep-alive, N requests
in flight from this process) asks `GET /v1/plans/{plan}/periods/Y/units/{unit}` for units in turn
for a fixed time; the baseline is a one-process uvicorn app whose endpoint returns the very bytes
scoring returned for each unit (no database, no rules). Goal: ≥ 0.5 of the bare rate. A second
row compares the CPU each server process spent per answer, which a loaded machine bends less.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Result, client, cpu_seconds, local_stack, percentile, quiet, rate, service_pids, temp_dir
from bench.county import county
from bench.stackrun import PLAN, consistent, import_parts

BARE_APP = """
import json, sys
from fastapi import FastAPI, Response
BODIES = json.load(open(sys.argv[1]))
app = FastAPI()

@app.get("/v1/plans/{plan}/periods/{period}/units/{unit}")
async def unit_score(plan: str, period: str, unit: str) -> Response:
    return Response(BODIES[unit], media_type="application/json")

if __name__ == "__main__":
    import uvicorn
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


IDLE_S = 3.0


async def hammer(base: str, units: list[str], seconds: float, concurrency: int) -> tuple[int, int, list[float]]:
    """(ok, errors, latencies ms) of `concurrency` loops asking unit scores for `seconds`."""
    import httpx

    ok = errors = 0
    waits: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def loop(i: int) -> None:
            nonlocal ok, errors
            n = i
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = await http.get(f"/v1/plans/{PLAN}/periods/Y/units/{units[n % len(units)]}")
                waits.append((time.perf_counter() - t0) * 1000)
                if r.status_code == 200:
                    ok += 1
                else:
                    errors += 1
                n += concurrency

        await asyncio.gather(*(loop(i) for i in range(concurrency)))
    return ok, errors, waits


def run(stack: dict, args: argparse.Namespace, result: Result, tmp: Path) -> None:
    import httpx

    from jixiao.localstack import free_port

    cl = client(stack)
    doc = county(args.scale)
    import_parts(cl, doc, {"indicators": ("plan", "indicators", "units", "targets", "results")})
    consistent(cl)
    units = [u["id"] for u in doc["units"]]
    scoring = stack["services"]["scoring"]["url"]
    bodies = {u: httpx.get(f"{scoring}/v1/plans/{PLAN}/periods/Y/units/{u}").text for u in units}
    (tmp / "bodies.json").write_text(json.dumps(bodies))
    (tmp / "bare.py").write_text(BARE_APP)
    port = free_port()
    bare = subprocess.Popen([sys.executable, str(tmp / "bare.py"), str(tmp / "bodies.json"), str(port)])
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/v1/plans/{PLAN}/periods/Y/units/{units[0]}")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        cpu_b = cpu_seconds(bare.pid)
        ok_b, err_b, waits_b = asyncio.run(hammer(base, units, args.seconds, args.concurrency))
        cpu_b = cpu_seconds(bare.pid) - cpu_b
        scoring_pid = service_pids(stack)["scoring"]
        idle = cpu_seconds(scoring_pid)
        time.sleep(IDLE_S)  # what scoring spends with no request (relay polls, close worker, consumer)
        cpu_s = cpu_seconds(scoring_pid)
        idle = (cpu_s - idle) / IDLE_S
        ok_s, err_s, waits_s = asyncio.run(hammer(scoring, units, args.seconds, args.concurrency))
        cpu_s = cpu_seconds(scoring_pid) - cpu_s
    finally:
        bare.terminate()
        bare.wait(10)
    scored, baseline = ok_s / args.seconds, ok_b / args.seconds
    result.note(
        f"{len(units):,} units scored from {len(doc['results']):,} indicator results; {args.concurrency} requests in"
        f" flight from one httpx client for {args.seconds:g} s against each; JSON of"
        f" {sum(map(len, bodies.values())) // len(bodies):,} bytes per unit on average. With no request"
        f" the scoring process used {1000 * idle:.0f} ms of CPU per second (relay polls, close worker,"
        " consumer): its CPU per answer below includes that."
    )
    result.row(
        "scoring: `GET …/units/{unit}` (one process)",
        f"{rate(scored)}, p50 {percentile(waits_s, 50):.0f} ms, p99 {percentile(waits_s, 99):.0f} ms, {err_s} errors",
        f"bare FastAPI {rate(baseline)} (p99 {percentile(waits_b, 99):.0f} ms, {err_b} errors)",
        f"{scored / baseline:.2f}",
        "≥ 0.5",
    )
    # CPU per answer of the serving process: what a loaded machine bends least (the rates above
    # depend on how much of the two cores the other processes leave to each run)
    ms_s, ms_b = 1000 * cpu_s / max(ok_s, 1), 1000 * cpu_b / max(ok_b, 1)
    result.row(
        "scoring: CPU of the scoring process per answer (PostgreSQL's not included)",
        f"{ms_s:.1f} ms",
        f"bare FastAPI {ms_b:.1f} ms",
        f"{ms_b / ms_s:.2f}",
        "— (explains the row above)",
    )
    result.data("scoring_per_s", scored)
    result.data("bare_per_s", baseline)
    result.data("scoring_cpu_ms_per_answer", ms_s)
    result.data("bare_cpu_ms_per_answer", ms_b)
    result.data("scoring_idle_cpu_ms_per_s", 1000 * idle)


async def _main(args: argparse.Namespace, result: Result) -> None:
    with temp_dir("bench-queries") as tmp:
        async with local_stack(tmp) as stack:
            error: list[BaseException] = []

            def work() -> None:
                try:
                    run(stack, args, result, tmp)
                except BaseException as exc:
                    error.append(exc)

            thread = threading.Thread(target=work)
            thread.start()
            while thread.is_alive():
                await asyncio.sleep(0.2)
    if error:
        raise error[0]


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    result = Result("score_queries", "Score queries/s of one scoring process vs bare FastAPI", "bench_score_queries.py")
    asyncio.run(_main(args, result))
    result.save(args.out)
    return result


if __name__ == "__main__":
    main()

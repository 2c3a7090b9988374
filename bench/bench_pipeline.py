"""The pipeline through the running services, and the latency of one confirmed result.

    .venv/bin/python bench/bench_pipeline.py [--scale 1] [--latency-seconds 20]

On the local stack (`jixiao up` as tests/e2e start it): the county's plan, units, survey responses
and deductions are imported first and scoring catches up. Then:

1. pipeline — the county's indicator results go to indicators' `/v1/import` in one request (its
   outbox is committed when the request returns); the time until the last `UnitScoreUpdated`
   arrives on the scores topic gives events/s from the outbox to the published score. Baselines:
   `bare_consume` (bench_bare_pipeline.py) over the very same indicators topic into the same
   PostgreSQL, and a raw aiokafka read of it.
2. latency — at 20% of the rate just measured, results withheld from the import (one indicator,
   every unit) are entered and confirmed over REST, one unit at a time; from the confirm's HTTP 2xx
   to that unit's next `UnitScoreUpdated`: p50 and p99 (goal p99 < 500 ms).

Both figures share one stack and one import, so they are one script.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_bare_pipeline import bare_consume
from bench.bench_broker import consume
from bench.common import Result, client, local_stack, percentile, quiet, rate, temp_dir
from bench.county import counts, county
from bench.stackrun import PLAN, ScoreWatcher, consistent, import_parts, positions
from jixiao.messaging.topics import INDICATORS

WITHHELD = "I1.1"  # entered and confirmed one by one in the latency phase
SETUP = {
    "indicators": ("plan", "indicators", "units", "targets"),
    "surveys": ("plan", "units", "survey_strata", "survey_responses"),
    "inspections": ("plan", "units", "deductions", "vetoes"),
}


def latency(cl, watcher: ScoreWatcher, units: list[str], per_second: float, seconds: float) -> list[float]:
    """Enter + confirm one withheld result per unit at `per_second`; ms from confirm 2xx to the unit's score."""
    confirmed: dict[str, float] = {}
    interval = 1 / per_second
    t_end = time.monotonic() + seconds
    next_at = time.monotonic()
    for n, unit in enumerate(units):
        if time.monotonic() > t_end:
            break
        time.sleep(max(0.0, next_at - time.monotonic()))
        next_at += interval
        entered = cl.request(
            "indicators",
            "POST",
            f"/v1/plans/{PLAN}/results",
            json={"unit": unit, "indicator": WITHHELD, "period": "Y", "actual": f"{10 + n % 7}.5"},
        )
        cl.request(
            "indicators",
            "POST",
            f"/v1/results/{entered.json()['id']}/confirm",
            json={"assessor": "bench"},
            headers={"if-match": entered.headers["etag"]},
        )
        confirmed[unit] = time.time()
    deadline = time.monotonic() + 60
    waits: dict[str, float] = {}
    while time.monotonic() < deadline and len(waits) < len(confirmed):
        for t, unit in watcher.updated():
            if unit in confirmed and unit not in waits and t >= confirmed[unit]:
                waits[unit] = (t - confirmed[unit]) * 1000
        time.sleep(0.2)
    missing = len(confirmed) - len(waits)
    if missing:
        print(f"  {missing} confirmed results had no UnitScoreUpdated within 60 s", file=sys.stderr)
    return sorted(waits.values())


async def _bare(stack: dict, expected: int) -> tuple[float, float]:
    raw = await consume(stack["kafka_bootstrap"], INDICATORS, expected)
    bare = await bare_consume(stack["kafka_bootstrap"], INDICATORS, stack["database_url"], expected)
    return raw, bare


def run(stack: dict, scale: float, latency_seconds: float, result: Result) -> None:
    cl = client(stack)
    doc = county(scale)
    c = counts(doc)
    results = [r for r in doc["results"] if r["indicator"] != WITHHELD]
    t0 = time.perf_counter()
    import_parts(cl, doc, SETUP)
    consistent(cl)
    setup_s = time.perf_counter() - t0
    before = positions(cl)
    with (
        ScoreWatcher(stack["kafka_bootstrap"]) as watcher,
        ScoreWatcher(stack["kafka_bootstrap"], INDICATORS) as source,
    ):
        t_start = time.time()
        took = import_parts(cl, {**doc, "results": results}, {"indicators": ("plan", "indicators", "units", "results")})
        t_outbox = time.time()
        consistent(cl)
        t_last = watcher.quiet_for(3.0)
        after = positions(cl)
        events = after["indicators"] - before["indicators"]
        updated = len(watcher.updated(t_start))
        pipe = events / (t_last - t_outbox)
        t_published = source.last_arrival(t_start)  # the indicators relay had published the last event
        whole = events / (t_last - t_start)
        topic_total = after["indicators"]
        raw, bare = asyncio.run(_bare(stack, topic_total))
        raw_rate, bare_rate = topic_total / raw, topic_total / bare
        result.note(
            f"{c['units']:,} units; set-up (plan, units, {c['survey_responses']:,} survey responses,"
            f" {c['deductions']:,} deductions) took {setup_s:.0f} s. Then {len(results):,} indicator results in one"
            f" `/v1/import` ({took['indicators']:.1f} s): {events:,} events committed to the outbox,"
            f" {updated:,} `UnitScoreUpdated` published. Baselines over the whole indicators topic"
            f" ({topic_total:,} events) in the same run."
        )
        result.row(
            "pipeline: outbox → `UnitScoreUpdated` (after the import returned)",
            rate(pipe),
            f"bare pipeline {rate(bare_rate)}",
            f"{pipe / bare_rate:.2f} of bare; {pipe / raw_rate:.3f} of raw consume ({rate(raw_rate)})",
            "≥ 0.5 of bare",
        )
        result.row(
            "including the import request itself",
            rate(whole),
            f"bare pipeline {rate(bare_rate)}",
            f"{whole / bare_rate:.2f} of bare",
        )
        result.row(
            "where the pipeline's time went",
            f"indicators relay done {max(0.0, t_published - t_outbox):.1f} s after the import returned;"
            f" scoring's last `UnitScoreUpdated` {t_last - t_published:.1f} s after that",
            "",
            "",
        )
        result.data("pipeline_per_s", pipe)
        result.data("bare_per_s", bare_rate)
        target = max(1.0, 0.2 * pipe)
        units = [u["id"] for u in doc["units"]]
        waits = latency(cl, watcher, units, target, latency_seconds)
    result.row(
        f"latency, confirm 2xx → `UnitScoreUpdated` at {target:.0f}/s (20% of the pipeline rate), {len(waits)} results",
        f"p50 {percentile(waits, 50):.0f} ms, p99 {percentile(waits, 99):.0f} ms",
        "",
        "",
        "p99 < 500 ms",
    )
    result.data("latency_ms", {"p50": percentile(waits, 50), "p99": percentile(waits, 99), "n": len(waits)})


async def _main(args: argparse.Namespace, result: Result) -> None:
    with temp_dir("bench-pipeline") as tmp:
        async with local_stack(tmp) as stack:
            done = threading.Event()
            error: list[BaseException] = []

            def work() -> None:
                try:
                    run(stack, args.scale, args.latency_seconds, result)
                except BaseException as exc:  # re-raised below, after the stack stopped
                    error.append(exc)
                finally:
                    done.set()

            thread = threading.Thread(target=work)
            thread.start()
            while not done.is_set():
                await asyncio.sleep(0.2)  # the supervisor keeps watching its children meanwhile
            thread.join()
    if error:
        raise error[0]


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--latency-seconds", type=float, default=20)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    result = Result("pipeline", "Pipeline through the services, and latency of a confirmed result", "bench_pipeline.py")
    asyncio.run(_main(args, result))
    result.save(args.out)
    return result


if __name__ == "__main__":
    main()

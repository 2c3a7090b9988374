"""The load run: a county through the REST and bulk APIs of the running stack while dashboards are read.

    .venv/bin/python bench/load_county.py [--scale 1] [--seconds 180] [--users 8]   (or `make load`)

Starts the local stack (as tests/e2e do; everything on 127.0.0.1), imports the plan and its units,
then runs Locust headless for a bounded time: indicator results in bulk (`/v1/import`, 20 units
per request), survey responses in bulk (`POST …/responses`, 2,000 per request), deductions one by
one over REST, while readers load the reports dashboard and unit scores. Reports: requests and
failures (any non-2xx, so every 5xx) per endpoint, the dashboard's p50/p99 under load against
the same page read on the idle stack before the load (the baseline), how much of the county got
in within the time, and every service's RSS before and after (growth, not a leak detector).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Result, client, local_stack, percentile, quiet, temp_dir
from bench.county import counts, county
from bench.stackrun import PLAN, import_parts, memory
from jixiao.rules.exactjson import dumps

SETUP = {
    "indicators": ("plan", "indicators", "units", "targets"),
    "surveys": ("plan", "units", "survey_strata"),
    "inspections": ("plan", "units", "vetoes"),
}


def work_file(doc: dict, stack: dict, path: Path, units_per_request: int = 20, responses_per_request: int = 2000):
    """The locustfile's work: records cut into request bodies (JSON text), in the county's order."""
    from jixiao_cli.client import addresses

    urls, _ = addresses(stack)
    by_unit: dict[str, list] = {}
    for r in doc["results"]:
        by_unit.setdefault(r["unit"], []).append(r)
    unit_ids = list(by_unit)
    head = {k: doc[k] for k in ("plan", "indicators", "units")}
    results = [
        dumps({**head, "results": [r for u in unit_ids[i : i + units_per_request] for r in by_unit[u]]})
        for i in range(0, len(unit_ids), units_per_request)
    ]
    responses = [
        dumps({"responses": doc["survey_responses"][i : i + responses_per_request]})
        for i in range(0, len(doc["survey_responses"]), responses_per_request)
    ]
    deductions = [
        dumps(
            {
                "id": d["id"],
                "unit_id": d["unit"],
                "kind": d["kind"],
                "points": d["points"],
                "date": d["date"],
                "aspect": d["aspect"],
            }
        )
        for d in doc["deductions"]
    ]
    path.write_text(
        json.dumps(
            {
                "urls": urls,
                "plan": PLAN,
                "units": [u["id"] for u in doc["units"]],
                "results": results,
                "responses": responses,
                "deductions": deductions,
            }
        )
    )
    return len(results), len(responses), len(deductions)


def idle_dashboard(stack: dict, n: int = 20) -> list[float]:
    import httpx

    url = f"{stack['services']['reports']['url']}/dashboard/{PLAN}/Y"
    waits = []
    with httpx.Client(timeout=60) as http:
        deadline = time.monotonic() + 300  # reports learns the plan from its events: wait for it
        while http.get(url).status_code == 404 and time.monotonic() < deadline:
            time.sleep(0.5)
        for _ in range(n):
            t0 = time.perf_counter()
            http.get(url).raise_for_status()
            waits.append((time.perf_counter() - t0) * 1000)
    return sorted(waits)


def run_locust(work: Path, prefix: Path, users: int, seconds: float) -> subprocess.CompletedProcess:
    locust = Path(sys.executable).parent / "locust"
    return subprocess.run(
        [
            str(locust),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{int(seconds)}s",
            "--stop-timeout",
            "60",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env={**os.environ, "JIXIAO_LOAD_WORK": str(work)},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def run(stack: dict, args: argparse.Namespace, result: Result, tmp: Path) -> None:
    cl = client(stack)
    doc = county(args.scale)
    c = counts(doc)
    import_parts(cl, doc, SETUP)
    n_results, n_responses, n_deductions = work_file(doc, stack, tmp / "work.json")
    idle = idle_dashboard(stack)
    before = memory(stack)
    done = run_locust(tmp / "work.json", tmp / "locust", args.users, args.seconds)
    after = memory(stack)
    if done.returncode not in (0, 1):  # 1: some requests failed (reported below)
        raise SystemExit(f"locust failed ({done.returncode}): {done.stderr[-3000:]}")
    with open(tmp / "locust_stats.csv", newline="") as f:
        stats = {row["Name"]: row for row in csv.DictReader(f)}
    failures = (tmp / "locust_failures.csv").read_text().strip().splitlines()[1:]
    result.note(
        f"{c['units']:,} units: {c['results']:,} results in {n_results} bulk requests, {c['survey_responses']:,} survey"
        f" responses in {n_responses} bulk requests, {n_deductions:,} deductions one request each; {args.users} Locust"
        f" users for {args.seconds:g} s against the stack on 127.0.0.1 (Locust"
        f", headless). Locust counts any non-2xx answer as a failure."
    )
    for name, row in stats.items():
        if name == "Aggregated":
            continue
        result.row(
            name,
            f"{row['Request Count']} requests, {row['Failure Count']} failures, p50 {row['50%']} ms,"
            f" p99 {row['99%']} ms",
        )
    total = stats.get("Aggregated", {})
    dash = stats.get("reports GET dashboard", {})
    result.row(
        "dashboard under load",
        f"p50 {dash.get('50%', '?')} ms, p99 {dash.get('99%', '?')} ms",
        f"idle stack p50 {percentile(idle, 50):.0f} ms, p99 {percentile(idle, 99):.0f} ms",
        f"p99 {float(dash.get('99%', 'nan')) / percentile(idle, 99):.1f}× idle" if dash else "",
    )
    result.row(
        "all requests",
        f"{total.get('Request Count', '?')} requests, {total.get('Failure Count', '?')} failures",
        "",
        "",
        "no errors, no 5xx",
    )
    sent = {
        "results": ("indicators POST /v1/import", n_results),
        "survey responses": ("surveys POST responses", n_responses),
        "deductions": ("inspections POST deduction", n_deductions),
    }
    result.row(
        f"requests made within {args.seconds:g} s, of those the county needs",
        ", ".join(f"{k} {stats.get(name, {}).get('Request Count', 0)}/{n}" for k, (name, n) in sent.items()),
    )
    for line in failures[:5]:
        result.note(f"failure: {line[:300]}")
    result.row(
        "RSS per service, MB (before → after)",
        ", ".join(
            f"{k} {before[k]['rss']:.0f} → {after.get(k, {}).get('rss', float('nan')):.0f}" for k in sorted(before)
        ),
    )
    result.data("stats", stats)
    result.data("memory", {"before": before, "after": after})


async def _main(args: argparse.Namespace, result: Result) -> None:
    with temp_dir("bench-load") as tmp:
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
    parser.add_argument("--scale", type=float, default=1, help="counties (1 = ~1,500 units)")
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    result = Result("load", "Load: a county through the APIs while dashboards are read (Locust)", "load_county.py")
    asyncio.run(_main(args, result))
    result.save(args.out)
    return result


if __name__ == "__main__":
    main()

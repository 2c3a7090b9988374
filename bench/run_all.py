"""`make bench`: run every benchmark script, then write BENCHMARKS.md from their results.

    .venv/bin/python bench/run_all.py [--only NAME,…] [--render-only] [--quick]

Each script saves bench/out/<name>.json (rows of figure, baseline and ratio, the load average
before and after it ran); the page is rebuilt from whatever results are there, in SCRIPTS order,
followed by bench/notes.md (the prose that does not change from run to run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, ROOT, loadavg, machine

# (result name, script, arguments of the full run, arguments of --quick)
SCRIPTS: list[tuple[str, str, list[str], list[str]]] = [
    ("broker", "bench/bench_broker.py", ["--messages", "100000"], ["--messages", "20000"]),
    ("bare_pipeline", "bench/bench_bare_pipeline.py", ["--events", "50000"], ["--events", "5000"]),
    ("pipeline", "bench/bench_pipeline.py", ["--scale", "0.2", "--latency-seconds", "20"], ["--scale", "0.02"]),
    (
        "survey_import",
        "bench/bench_survey_import.py",
        ["--responses", "100000", "--batch", "25000"],
        ["--responses", "20000", "--batch", "10000"],
    ),
    (
        "offline_score",
        "bench/bench_offline_score.py",
        ["--profile", "--repeat", "1", "--scales", "4,16"],
        ["--scale", "0.1"],
    ),
    ("score_queries", "bench/bench_score_queries.py", ["--scale", "0.05", "--seconds", "10"], ["--seconds", "3"]),
    ("rescore", "bench/bench_rescore.py", ["--scales", "0.25,1"], ["--scales", "0.02"]),
    ("idle", "bench/bench_idle.py", ["--seconds", "60"], ["--seconds", "10", "--settle", "5"]),
    ("load", "bench/load_county.py", ["--scale", "1", "--seconds", "300"], ["--scale", "0.02", "--seconds", "20"]),
]


def run(names: set[str] | None, quick: bool) -> list[str]:
    failed = []
    for name, script, full, fast in SCRIPTS:
        if names and name not in names:
            continue
        argv = [sys.executable, script, *(fast if quick else full)]
        print(f"== {' '.join(argv[1:])}  (load {loadavg()})", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT)
        print(f"   {name}: exit {done.returncode} after {time.perf_counter() - t0:.0f} s", flush=True)
        if done.returncode:
            failed.append(name)
    return failed


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(started: str, finished: str, failed: list[str]) -> str:
    m = machine()
    stamps = sorted(
        json.loads((OUT / f"{name}.json").read_text())["started"]
        for name, *_ in SCRIPTS
        if (OUT / f"{name}.json").exists()
    )
    span = f"{stamps[0]} → {stamps[-1]} (first and last script start)" if stamps else f"{started} → {finished}"
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run_all.py); every figure below comes from one script in `bench/`",
        "and is shown next to a baseline measured in the same run on the same machine, because the",
        "machine is shared: read the ratios, not the absolute rates. The load average (1, 5, 15 min,",
        "`os.getloadavg()`) is given before and after each script.",
        "",
        f"- run: {span}; page written {finished}",
        f"- machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, {m['platform']}, Python {m['python']}",
        "- command: `make bench` (= `.venv/bin/python bench/run_all.py`); each script can also be run alone",
        "",
    ]
    if failed:
        lines += [f"**Scripts that failed in this run:** {', '.join(failed)} (their section shows an earlier run).", ""]
    for name, script, full, _ in SCRIPTS:
        path = OUT / f"{name}.json"
        if not path.exists():
            lines += [f"## {name} — `{script}`", "", "Not measured in this run.", ""]
            continue
        doc = json.loads(path.read_text())
        command = " ".join([".venv/bin/python", script, *doc.get("argv", full)])
        lines += [
            f"## {doc['title']} — `{script}`",
            "",
            f"`{command}` — {doc['started']}, {doc.get('seconds', '?')} s, load {doc['load_before']} → "
            f"{doc.get('load_after', '?')}",
            "",
        ]
        for note in doc["notes"]:
            lines += [note, ""]
        lines += ["| what | figure | baseline (same run) | ratio | goal |", "|---|---|---|---|---|"]
        for row in doc["rows"]:
            cells = (row["what"], row["value"], row["baseline"], row["ratio"], row["goal"])
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
        profile = doc.get("data", {}).get("profile")
        if profile:
            lines += ["Profile (pyinstrument, top frames):", "", "```", *profile, "```", ""]
    lines += province()
    notes = ROOT / "bench" / "notes.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    return "\n".join(lines)


def _data(name: str) -> dict:
    path = OUT / f"{name}.json"
    return json.loads(path.read_text()).get("data", {}) if path.exists() else {}


def province(counties: int = 100) -> list[str]:
    """What a province (~100 counties) would need, extrapolated linearly from the largest size measured."""
    offline = [v for k, v in _data("offline_score").items() if k.startswith("scale_")]
    rescore = [v for k, v in _data("rescore").items() if k.startswith("scale_")]
    pipe = _data("pipeline")
    out = ["## What a province (~100 counties) would need — extrapolated from this run", ""]
    if offline:
        big = max(offline, key=lambda v: v["records"])
        per_record_s = big["wall_s"] / big["records"]
        per_record_mb = big["peak_mb"] / big["records"]
        records = 301_694 * counties
        out.append(
            f"- **Offline `jixiao score`**: the largest size measured ({big['units']:,} units, {big['records']:,} records)"
            f" took {big['wall_s']:.0f} s and {big['peak_mb']:,.0f} MB; linearly, a province ({records / 1e6:.0f}M"
            f" records) is about {records * per_record_s / 60:.0f} min and {records * per_record_mb / 1024:.0f} GiB in"
            " one process — score it county by county (one bundle each), not as one file."
        )
    if rescore:
        big = max(rescore, key=lambda v: v["units"])
        factor = 1500 * counties / big["units"]
        out.append(
            f"- **Through the services** (largest size {big['units']:,} units, {big['records']:,} records): import"
            f" {big['import_s']:.0f} s, re-score {big['rescore_s']:.0f} s, database +{big.get('database_mb', 0):.0f} MB."
            f" Linearly ×{factor:,.0f} for a province: import ≈ {big['import_s'] * factor / 3600:.1f} h,"
            f" year-end re-score ≈ {big['rescore_s'] * factor / 3600:.1f} h on one instance of each service,"
            f" database ≈ {big.get('database_mb', 0) * factor / 1024:.0f} GiB."
        )
    if pipe.get("pipeline_per_s"):
        rate = pipe["pipeline_per_s"]
        events = 35_000 * counties  # results + survey score updates + deductions of a county year, roughly
        hour = events / 3600
        instances = max(1, -(-int(hour) // max(1, int(rate))))
        out.append(
            f"- **Scoring instances and partitions**: one scoring process applied {rate:,.0f} events/s here. A province"
            f" year is about {events / 1e6:.1f}M source events; to absorb a year-end rush of the whole year in one hour"
            f" ({hour:,.0f} events/s) takes about {instances} scoring instance(s) at this rate, and at least as many"
            " partitions per source topic (12 today; partitions are keyed by unit, so instances scale up to the"
            " partition count)."
        )
    out += [
        "",
        "These are straight lines through one measured point on a shared, loaded 2-core machine; the growth rows"
        " above show whether the line is straight.",
        "",
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated result names (see SCRIPTS)")
    parser.add_argument("--render-only", action="store_true", help="rewrite BENCHMARKS.md from bench/out/")
    parser.add_argument("--quick", action="store_true", help="smallest sizes (a check that the scripts run)")
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    names = {n for n in args.only.split(",") if n} or None
    failed = [] if args.render_only else run(names, args.quick)
    finished = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if not args.quick:
        (ROOT / "BENCHMARKS.md").write_text(render(started, finished, failed))
        print(f"wrote BENCHMARKS.md ({started} → {finished}; load now {loadavg()})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()

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
    ("broker", "bench/bench_broker.py", [], ["--messages", "20000"]),
    ("bare_pipeline", "bench/bench_bare_pipeline.py", [], ["--events", "5000"]),
    ("pipeline", "bench/bench_pipeline.py", [], ["--scale", "0.05"]),
    ("survey_import", "bench/bench_survey_import.py", [], ["--responses", "30000", "--batch", "10000"]),
    ("offline_score", "bench/bench_offline_score.py", ["--profile", "--scales", "4,16"], ["--scale", "0.1"]),
    ("score_queries", "bench/bench_score_queries.py", [], ["--seconds", "3"]),
    ("rescore", "bench/bench_rescore.py", ["--scales", "1,2,4"], ["--scales", "0.05"]),
    ("load", "bench/load_county.py", [], ["--scale", "0.05", "--seconds", "20"]),
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
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run_all.py); every figure below comes from one script in `bench/`",
        "and is shown next to a baseline measured in the same run on the same machine, because the",
        "machine is shared: read the ratios, not the absolute rates. The load average (1, 5, 15 min,",
        "`os.getloadavg()`) is given before and after each script.",
        "",
        f"- run: {started} → {finished}",
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
        command = " ".join([".venv/bin/python", script, *full])
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
    notes = ROOT / "bench" / "notes.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    return "\n".join(lines)


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

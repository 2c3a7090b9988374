"""Offline `jixiao score` of a synthetic county vs a vectorised NumPy computation of the same totals.

    .venv/bin/python bench/bench_offline_score.py [--scale 1] [--scales 1,4,16] [--repeat 2] [--profile]

The figure: the offline command (parse + score + write, as a subprocess: wall time and peak RSS)
against a NumPy baseline that reads the same file with the standard JSON parser (floats) and
computes each unit's total with array operations (method fractions, survey means by round and
stratum, capped penalties, ranks by group) — the same totals, rounding aside. Goal: ≤ 3× the
baseline. `--scales` adds the growth rows (townships added, same plan); `--profile` records the
top frames of the in-process run (pyinstrument).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Result, quiet, temp_dir
from bench.county import counts, county, records, write_bundle
from jixiao.rules.bundle import load_bundle
from jixiao.rules.exactjson import dumps
from services.scoring.domain.grading import score_bundle
from services.scoring.domain.results import results_to_dict
from services.scoring.entrypoints.offline import gc_paused


def run_once(path: Path) -> tuple[dict[str, float], int]:
    """Parse, score and write results in-process; stage timings and the number of units scored."""
    c0, t0 = time.process_time(), time.perf_counter()
    with gc_paused():  # as the offline command does
        bundle = load_bundle(path.read_bytes())
        t1 = time.perf_counter()
        scores = score_bundle(bundle, "Y")
        t2 = time.perf_counter()
    text = dumps(results_to_dict(bundle.plan, "Y", scores))
    t3, c3 = time.perf_counter(), time.process_time()
    assert text.startswith("{")
    return {"parse": t1 - t0, "score": t2 - t1, "write": t3 - t2, "total": t3 - t0, "cpu": c3 - c0}, len(scores)


def run_cli(path: Path) -> tuple[float, float]:
    """`python -m services.scoring.entrypoints.offline` as a subprocess: wall seconds and peak RSS (MB)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "services.scoring.entrypoints.offline", str(path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"jixiao score failed ({proc.returncode}): {proc.stderr[:2000]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # max over children so far
    return elapsed, usage


def numpy_totals(path: Path) -> dict[str, float]:
    """The baseline: the same file, stdlib JSON (floats), every unit's total by array operations."""
    import numpy as np

    doc = json.loads(path.read_bytes())
    plan, units = doc["plan"], doc["units"]
    index = {u["id"]: i for i, u in enumerate(units)}
    n = len(units)
    leaves = {node["id"]: node for node in doc["indicators"] if "method" in node}
    leaf_ids = {k: i for i, k in enumerate(leaves)}
    max_points = np.array([float(leaves[k]["max_points"]) for k in leaves])
    target = np.array([float(leaves[k].get("target") or 0) for k in leaves])
    # indicator fractions: the last confirmed record of each (unit, indicator) counts
    res = [r for r in doc["results"] if r["confirmed"]]
    u = np.fromiter((index[r["unit"]] for r in res), dtype=np.int64, count=len(res))
    leaf = np.fromiter((leaf_ids[r["indicator"]] for r in res), dtype=np.int64, count=len(res))
    actual = np.fromiter((r.get("actual", r.get("points", 0)) or 0 for r in res), dtype=float, count=len(res))
    done = np.fromiter((r.get("done", True) for r in res), dtype=bool, count=len(res))
    ratings = {k: float(v) for leaf_ in leaves.values() for k, v in leaf_["method"].get("ratings", {}).items()}
    rating = np.fromiter((ratings.get(r.get("rating"), 1.0) for r in res), dtype=float, count=len(res))
    kind = np.array([leaves[k]["method"]["type"] for k in leaves])[leaf]
    t = np.where(target[leaf] > 0, target[leaf], 1.0)
    frac = np.ones(len(res))
    frac = np.where(kind == "ratio", np.minimum(actual / t, 1.0), frac)
    frac = np.where(kind == "inverse_ratio", np.minimum(t / np.maximum(actual, 1e-9), 1.0), frac)
    frac = np.where(
        kind == "bands", np.select([actual / t >= 1, actual / t >= 0.9, actual / t >= 0.75], [1, 0.8, 0.5], 0), frac
    )
    frac = np.where(kind == "rating", rating, frac)
    frac = np.where(kind == "boolean", done.astype(float), frac)
    frac = np.where((kind == "manual") | (kind == "composite"), np.minimum(actual / max_points[leaf], 1.0), frac)
    points = np.zeros((n, len(leaves)))
    points[u, leaf] = frac * max_points[leaf]  # later records overwrite earlier ones
    indicators = points.sum(axis=1) / max_points.sum() * 100
    # survey: mean answer score per (unit, round, stratum), weighted by strata and rounds
    scores = {k: float(v) for k, v in plan["survey"]["answer_scores"].items()}
    rounds = {r["id"]: (i, float(r["weight"])) for i, r in enumerate(plan["survey"]["rounds"])}
    strata = {s: (i, float(w)) for i, (s, w) in enumerate(plan["survey"]["strata"].items())}
    resp = doc["survey_responses"]
    m = len(resp)
    ru = np.fromiter((index[r["unit"]] for r in resp), dtype=np.int64, count=m)
    rr = np.fromiter((rounds[r["round"]][0] for r in resp), dtype=np.int64, count=m)
    rs = np.fromiter((strata[r["stratum"]][0] for r in resp), dtype=np.int64, count=m)
    answered = [[scores[a] for a in r["answers"] if a in scores] for r in resp]
    mean = np.fromiter((sum(a) / len(a) if a else np.nan for a in answered), dtype=float, count=m)
    ok = ~np.isnan(mean)
    cell = (ru * len(rounds) + rr) * len(strata) + rs
    size = n * len(rounds) * len(strata)
    sums = np.bincount(cell[ok], weights=mean[ok], minlength=size).reshape(n, len(rounds), len(strata))
    cnt = np.bincount(cell[ok], minlength=size).reshape(n, len(rounds), len(strata))
    cell_mean = np.divide(sums, cnt, out=np.zeros_like(sums), where=cnt > 0)
    sw = np.array([w for _, w in strata.values()])
    rw = np.array([w for _, w in rounds.values()])
    survey = ((cell_mean * sw).sum(axis=2) * rw).sum(axis=1)
    # penalties: non-revoked deductions, capped
    ded = [d for d in doc["deductions"] if not d.get("revoked")]
    du = np.fromiter((index[d["unit"]] for d in ded), dtype=np.int64, count=len(ded))
    dp = np.fromiter((d["points"] for d in ded), dtype=float, count=len(ded))
    cap = next(float(c["cap"]) for c in plan["components"] if c["type"] == "penalty")
    penalty = np.minimum(np.bincount(du, weights=dp, minlength=n), cap)
    total = 0.8 * indicators + 0.2 * survey - penalty
    groups = np.array([u_["group"] for u_ in units])
    rank = np.empty(n, dtype=np.int64)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        rank[members[np.argsort(-total[members], kind="stable")]] = np.arange(1, len(members) + 1)
    return {"units": n, "mean_total": float(total.mean())}


def timed_numpy(path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        numpy_totals(path)
        best = min(best, time.perf_counter() - t0)
    return best


def profile_top(path: Path, frames: int = 40) -> list[str]:
    """The in-process run under pyinstrument: the heaviest frames, as text lines."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    run_once(path)
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    return [line.rstrip() for line in text.splitlines() if line.strip()][4 : frames + 4]


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1, help="counties (1 = 1,500 units, ~300k records)")
    parser.add_argument("--scales", default="", help="growth rows, e.g. 1,4,16 (CLI wall time and peak RSS)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each side; the fastest counts")
    parser.add_argument("--profile", action="store_true", help="record pyinstrument's top frames")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    result = Result(
        "offline_score", "Offline `jixiao score` of the county vs NumPy", "python bench/bench_offline_score.py"
    )
    with temp_dir("bench-offline") as tmp:
        doc = county(args.scale)
        c = counts(doc)
        n = records(doc)
        path = write_bundle(doc, tmp / "county.bundle.json")
        del doc
        result.note(
            f"{c['units']:,} units, {n:,} records ({c['results']:,} results, {c['survey_responses']:,} survey"
            f" responses, {c['deductions']:,} deductions), {path.stat().st_size / 1e6:.1f} MB of JSON"
        )
        cli = min(run_cli(path)[0] for _ in range(args.repeat))
        _, peak = run_cli(path)
        base = timed_numpy(path, args.repeat)
        timings, _ = min((run_once(path) for _ in range(args.repeat)), key=lambda run: run[0]["total"])
        result.row(
            "`jixiao score` (subprocess, wall)",
            f"{cli:.2f} s ({n / cli:,.0f} records/s), peak RSS {peak:.0f} MB",
            f"NumPy {base:.2f} s",
            f"{cli / base:.1f}× the baseline",
            "≤ 3×",
        )
        result.row(
            "in-process by phase",
            ", ".join(f"{k} {timings[k]:.2f} s" for k in ("parse", "score", "write")),
            f"NumPy {base:.2f} s",
            f"{timings['total'] / base:.1f}×",
        )
        result.data("cli_s", cli)
        result.data("numpy_s", base)
        if args.profile:
            result.data("profile", profile_top(path))
    for scale in [float(s) for s in args.scales.split(",") if s]:
        with temp_dir("bench-offline-scale") as tmp:
            doc = county(scale)
            n, units = records(doc), len(doc["units"])
            path = write_bundle(doc, tmp / "county.bundle.json")
            del doc
            wall, peak = run_cli(path)
            base = timed_numpy(path, 1)
            result.row(
                f"growth: {scale:g}× ({units:,} units, {n:,} records)",
                f"{wall:.1f} s, peak RSS {peak:.0f} MB",
                f"NumPy {base:.1f} s",
                f"{wall / base:.1f}×",
            )
            result.data(f"scale_{scale:g}", {"units": units, "records": n, "wall_s": wall, "peak_mb": peak})
    result.save(args.out)
    return result


if __name__ == "__main__":
    main()

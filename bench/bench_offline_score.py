"""Offline scoring of a synthetic county: parse + score + write results, in-process (and via the CLI).

    .venv/bin/python bench/bench_offline_score.py [--units 1500] [--responses-per-unit 170] [--seed 2026]
        [--repeat 2] [--no-cli] [--tracemalloc]

Generates a deterministic bundle (~1,500 units, ~300k records: indicator results, survey responses
and deductions) on the plan of the worked example, writes it to a temporary file and prints units,
records, seconds, records/s, and the peak memory of the offline command run as a subprocess
(max RSS; optionally the tracemalloc peak in-process).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jixiao.rules.bundle import load_bundle  # noqa: E402  (after the sys.path line)
from jixiao.rules.exactjson import dumps  # noqa: E402
from jixiao.samples import BAILIAN_BUNDLE  # noqa: E402
from services.scoring.domain.grading import score_bundle  # noqa: E402
from services.scoring.domain.results import results_to_dict  # noqa: E402
from services.scoring.entrypoints.offline import gc_paused  # noqa: E402

EXAMPLE = BAILIAN_BUNDLE
KINDS = (("village", "villages", 0.45), ("committee", "villages", 0.1), ("agency", "agencies", 0.45))
ANSWERS = ("satisfied",) * 6 + ("basically_satisfied",) * 2 + ("dissatisfied", None, "no_answer")


def _dec(rng: random.Random, low: int, high: int, places: int = 1) -> Decimal:
    """A random decimal in [low, high] with `places` decimals (no floats involved)."""
    scale = 10**places
    return Decimal(rng.randint(low * scale, high * scale)).scaleb(-places)


def _value(rng: random.Random, method: dict, target: Decimal | None, max_points: Decimal) -> dict:
    mtype = method["type"]
    if mtype in ("ratio", "inverse_ratio", "bands"):
        return {"actual": (target * _dec(rng, 60, 130, 2) / 100).quantize(Decimal("0.1"))}
    if mtype == "rating":
        return {"rating": rng.choice(sorted(method["ratings"]))}
    if mtype == "boolean":
        return {"done": rng.random() < 0.85}
    return {"points": (max_points * _dec(rng, 50, 100, 2) / 100).quantize(Decimal("0.01"))}


def generate(units: int, responses_per_unit: int, seed: int) -> dict:
    """A deterministic synthetic county bundle (numbers as Decimals)."""
    rng = random.Random(seed)
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    plan, indicators = example["plan"], example["indicators"]
    leaves = [node for node in indicators if "method" in node]
    rounds = [r["id"] for r in plan["survey"]["rounds"]]
    strata = list(plan["survey"]["strata"])
    categories = plan["veto"]["categories"]
    doc: dict = {"format": "jixiao.bundle/v1", "plan": plan, "indicators": indicators, "units": []}
    for key in ("targets", "results", "survey_strata", "survey_responses", "deductions", "vetoes"):
        doc[key] = []
    kinds = rng.choices(KINDS, weights=[k[2] for k in KINDS], k=units)
    response_id = deduction_id = 0
    for n, (kind, group, _) in enumerate(kinds, start=1):
        unit = f"u{n:05d}"
        doc["units"].append({"id": unit, "name": f"单位{n}", "kind": kind, "group": group, "parent": "county"})
        for leaf in leaves:
            if "applies_to" in leaf and kind not in leaf["applies_to"]:
                continue
            target = leaf.get("target")
            if target is not None and rng.random() < 0.1:
                target = (target * _dec(rng, 80, 120, 2) / 100).quantize(Decimal("0.1"))
                doc["targets"].append({"unit": unit, "indicator": leaf["id"], "target": target})
            slots = (
                [(p["key"], p["method"]) for p in leaf["method"]["parts"]]
                if leaf["method"]["type"] == "composite"
                else [(None, leaf["method"])]
            )
            for part, method in slots:
                if rng.random() < 0.05:  # missing
                    continue
                for _version in range(1 + (rng.random() < 0.1)):  # some corrected results
                    record = {"unit": unit, "indicator": leaf["id"], "period": "Y", "confirmed": rng.random() < 0.97}
                    if part:
                        record["part"] = part
                    record.update(_value(rng, method, target, leaf["max_points"]))
                    doc["results"].append(record)
        if rng.random() < 0.2:
            doc["survey_strata"].append({"unit": unit, "stratum": "business", "weight": Decimal("0.35")})
        for _ in range(responses_per_unit):
            response_id += 1
            doc["survey_responses"].append(
                {
                    "id": f"r{response_id}",
                    "unit": unit,
                    "round": rng.choice(rounds),
                    "stratum": rng.choice(strata),
                    "mode": "phone" if rng.random() < 0.8 else "face",
                    "answers": [rng.choice(ANSWERS) for _ in range(5)],
                }
            )
        for _ in range(rng.randint(0, 20)):
            deduction_id += 1
            doc["deductions"].append(
                {
                    "id": f"d{deduction_id}",
                    "unit": unit,
                    "kind": "inspection",
                    "points": Decimal(rng.randint(1, 4)) / 2,
                    "date": f"2026-{rng.randint(1, 12):02d}-15",
                    "aspect": "work_style",
                    "revoked": rng.random() < 0.1,
                }
            )
        if rng.random() < 0.02:
            doc["vetoes"].append(
                {"id": f"veto-{unit}", "unit": unit, "category": rng.choice(categories), "date": "2026-08-01"}
            )
    return doc


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


def run_cli(path: Path) -> tuple[float, int, float]:
    """The offline command as a subprocess: wall seconds, exit status and its peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
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
        print(proc.stderr[:2000], file=sys.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux; max over children
    return elapsed, proc.returncode, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1500)
    parser.add_argument("--responses-per-unit", type=int, default=170)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=2, help="timed in-process runs; the fastest is shown")
    parser.add_argument("--no-cli", action="store_true", help="skip timing `python -m ...offline` as a subprocess")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace the in-process peak (slow)")
    args = parser.parse_args()

    doc = generate(args.units, args.responses_per_unit, args.seed)
    counts = {k: len(doc[k]) for k in ("results", "survey_responses", "deductions", "targets", "vetoes")}
    records = counts["results"] + counts["survey_responses"] + counts["deductions"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "county.bundle.json"
        path.write_text(dumps(doc, indent=None), encoding="utf-8")
        del doc
        size_mb = path.stat().st_size / 1e6

        timings, scored = min((run_once(path) for _ in range(args.repeat)), key=lambda run: run[0]["total"])
        print(f"units            {scored}")
        print(f"records          {records}  ({', '.join(f'{k} {v}' for k, v in counts.items())})")
        print(f"bundle size      {size_mb:.1f} MB")
        for stage in ("parse", "score", "write"):
            print(f"  {stage:<14} {timings[stage]:.2f} s")
        print(
            f"seconds          {timings['total']:.2f}  (parse + score + write, in-process; CPU {timings['cpu']:.2f} s)"
        )
        print(f"records/s        {records / timings['total']:,.0f}")
        if not args.no_cli:
            elapsed, code, rss_mb = run_cli(path)
            print(f"cli              {elapsed:.2f} s wall, exit {code}, peak RSS {rss_mb:.0f} MB (whole process)")
        if args.tracemalloc:
            tracemalloc.start()
            run_once(path)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"traced peak      {peak / 1e6:.0f} MB (tracemalloc, in-process)")


if __name__ == "__main__":
    main()

"""The bench scripts cannot rot: every module imports, and the pure parts run at their smallest size
(the county generator, the offline score and its NumPy baseline, the load run's request bodies,
the BENCHMARKS.md renderer). No timing is asserted."""

from __future__ import annotations

import importlib
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("restore_logging")]

MODULES = [
    "bench.common",
    "bench.county",
    "bench.stackrun",
    "bench.bench_broker",
    "bench.bench_bare_pipeline",
    "bench.bench_pipeline",
    "bench.bench_survey_import",
    "bench.bench_offline_score",
    "bench.bench_score_queries",
    "bench.bench_rescore",
    "bench.bench_idle",
    "bench.load_county",
    "bench.run_all",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_bench_module_imports(name):
    module = importlib.import_module(name)
    if name.startswith("bench.bench_") or name == "bench.load_county":
        assert callable(module.main)


def test_a_tiny_county_is_scored_offline_and_by_numpy(tmp_path):
    from bench.bench_offline_score import numpy_totals, run_once
    from bench.county import county, records, write_bundle

    doc = county(0.01)
    assert len(doc["units"]) == 15 and records(doc) > 1000
    path = write_bundle(doc, tmp_path / "c.json")
    timings, scored = run_once(path)
    assert scored == 15 and set(timings) >= {"parse", "score", "write"}
    totals = numpy_totals(path)
    assert totals["units"] == 15 and 0 < totals["mean_total"] < 110


def test_the_county_is_the_same_every_time():
    from bench.county import generate

    assert generate(5, 3, 1) == generate(5, 3, 1)
    assert generate(5, 3, 1) != generate(5, 3, 2)


def test_the_load_run_cuts_every_record_into_requests(tmp_path):
    from bench.county import county
    from bench.load_county import work_file

    doc = county(0.01)
    stack = {
        "services": {
            s: {"url": f"http://127.0.0.1:{9000 + i}", "grpc": ""}
            for i, s in enumerate(("indicators", "surveys", "inspections", "scoring", "reports"))
        }
    }
    n = work_file(doc, stack, tmp_path / "work.json", units_per_request=4, responses_per_request=100)
    work = json.loads((tmp_path / "work.json").read_text())
    assert n == (len(work["results"]), len(work["responses"]), len(work["deductions"]))
    sent = [r for body in work["results"] for r in json.loads(body, parse_float=Decimal)["results"]]
    assert len(sent) == len(doc["results"])
    assert sum(len(json.loads(b)["responses"]) for b in work["responses"]) == len(doc["survey_responses"])
    assert len(work["deductions"]) == len(doc["deductions"])


def test_benchmarks_md_is_rendered_from_results(tmp_path, monkeypatch):
    from bench import common, run_all

    monkeypatch.setattr(run_all, "OUT", tmp_path)
    result = common.Result("broker", "Broker ceiling", "bench_broker.py")
    result.row("raw produce", "1/s", "", "", "")
    result.save(tmp_path / "broker.json")
    text = run_all.render("start", "end", [])
    assert "## Broker ceiling" in text and "| raw produce | 1/s |" in text and "Not measured in this run." in text


def test_the_idle_bench_reads_the_cpu_of_each_process_and_of_postgres_backends():
    from bench.bench_idle import _pids
    from bench.common import cpu_seconds

    me = os.getpid()
    stack = {"services": {"scoring": {"pid": me}, "postgres": {"pid": me, "url": "x"}, "broker": {"pid": None}}}
    assert _pids(stack) == {"scoring": (me, False), "postgres": (me, True)}
    alone = cpu_seconds(me)
    assert alone > 0 and cpu_seconds(me, children=True) >= alone


def test_the_score_queries_bench_reads_a_process_cpu_time():
    import os

    from bench.common import cpu_seconds

    assert cpu_seconds(os.getpid()) > 0  # this test process has run: user + system seconds

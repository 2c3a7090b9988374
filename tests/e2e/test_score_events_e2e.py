"""The score events as another team sees them, against the whole stack as processes: the
confluent-kafka example's table equals `jixiao results`, and `jixiao events tail --json` shows every
event whole, keyed as docs/score-events.md says."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.localstack.stack import running_stack
from jixiao.rules import exactjson
from jixiao.samples import BAILIAN_BUNDLE
from jixiao.testing.servers import initdb_cache
from jixiao_cli.client import StackClient, addresses
from jixiao_cli.commands.scoring_client import close, fetch_results, wait_until_consistent
from jixiao_cli.importer import import_bundle, read_bundle

pytest.importorskip("confluent_kafka")
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "consumers" / "latest_grades.py"
PLAN = "bailian-2026"
LABELS = {"excellent": "优", "good": "良", "fair": "一般", "poor": "差"}


def _run(*argv: str, timeout: float = 180) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _as_results_entry(row: dict) -> dict:
    """A row of the example's table in jixiao.results/v1 terms (a penalty back to points deducted)."""
    components = {
        c["key"]: Decimal(c["score"]) if c["weight"] else -Decimal(c["points"])
        for c in json.loads(row["components_json"])
    }
    entry = {
        "unit": row["unit_id"],
        "group": row["group"],
        "status": row["status"],
        "components": components,
        "total": Decimal(row["total"]) if row["total"] else None,
        "grade": row["grade"] or None,
        "rank": row["rank"] or None,
        "vetoed": bool(row["vetoed"]),
        "award_eligible": bool(row["award_eligible"]),
        "missing": sorted(json.loads(row["missing_json"])),
    }
    if row["survey_se"]:
        entry["survey_se"] = Decimal(row["survey_se"])
    return entry


def _comparable(entry: dict) -> dict:
    return {
        **entry,
        "missing": sorted(entry["missing"]),
        "rank": entry.get("rank"),
        "components": {k: Decimal(v) for k, v in entry["components"].items()},
    }


async def test_a_confluent_kafka_consumer_gets_the_graded_year_with_names_and_labels(tmp_path):
    async with running_stack(tmp_path / "stack", pg_fsync=False, initdb_cache=initdb_cache()) as stack:
        client = StackClient(*addresses(stack))
        await asyncio.to_thread(import_bundle, client, read_bundle(BAILIAN_BUNDLE))
        await asyncio.to_thread(wait_until_consistent, client, PLAN, 180)
        await asyncio.to_thread(close, client, PLAN, "Y", "e2e")
        results = await asyncio.to_thread(fetch_results, client, PLAN, "Y")
        db = str(tmp_path / "grades.sqlite")
        python = sys.executable

        await asyncio.to_thread(
            _run,
            python,
            str(EXAMPLE),
            "--bootstrap",
            stack["kafka_bootstrap"],
            "--db",
            db,
            "--until",
            PLAN,
            "Y",
            "--timeout",
            "150",
        )
        rows = [
            json.loads(line)
            for line in (
                await asyncio.to_thread(_run, python, str(EXAMPLE), "--db", db, "--show", PLAN, "Y")
            ).splitlines()
        ]

        assert [_as_results_entry(r) for r in rows] == [_comparable(e) for e in results["units"]]
        digest = hashlib.sha256(exactjson.dumps(results).encode()).hexdigest()
        assert {(r["snapshot_version"], r["snapshot_sha256"], r["plan_name"], r["year"]) for r in rows} == {
            (1, digest, "白莲镇2026年度政府绩效管理实施方案", 2026)
        }
        assert all(r["unit_name"] and r["group_name"] and r["group_size"] > 0 for r in rows)
        assert all(r["grade_label"] == LABELS[r["grade"]] for r in rows if r["grade"])

        # the CLI shows the same events whole, in protobuf's canonical JSON mapping
        jixiao = str(Path(python).parent / "jixiao")
        lines = await asyncio.to_thread(
            _run,
            jixiao,
            "events",
            "tail",
            "jixiao.scores.v1",
            "--from-beginning",
            "--json",
            "--idle",
            "5",
            "--data-dir",
            str(tmp_path / "stack"),
        )
        events = [json.loads(line) for line in lines.splitlines()]
        graded = [e for e in events if e["type"] == "UnitScoreGraded"]
        (period,) = [e for e in events if e["type"] == "PeriodGraded"]
        assert (len(graded), period["body"]["units"], period["unitId"]) == (37, 37, "")
        assert all(e["unitId"] == e["body"]["score"]["unitId"] for e in graded)
        assert sorted(period["body"]["unitEventIds"]) == sorted(e["eventId"] for e in graded)
        assert {e["body"]["@type"] for e in events} <= {
            f"type.googleapis.com/jixiao.events.v1.{t}" for t in ("UnitScoreUpdated", "UnitScoreGraded", "PeriodGraded")
        }

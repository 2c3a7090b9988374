"""The bench scripts that need only a broker and/or PostgreSQL run end to end at their smallest size
(each starts its own servers, as `make bench` does). No timing is asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("restore_logging")]


def _rows(path: Path) -> list[dict]:
    doc = json.loads(path.read_text())
    assert doc["load_before"] and doc["load_after"]
    return doc["rows"]


def test_broker_and_bare_pipeline_at_their_smallest(tmp_path):
    from bench import bench_bare_pipeline, bench_broker

    bench_broker.main(["--messages", "300", "--out", str(tmp_path / "broker.json")])
    assert [r["what"] for r in _rows(tmp_path / "broker.json")] == ["raw produce", "raw consume"]
    bench_bare_pipeline.main(["--events", "300", "--out", str(tmp_path / "bare.json")])
    assert len(_rows(tmp_path / "bare.json")) == 1


def test_survey_import_against_copy_at_its_smallest(tmp_path):
    from bench import bench_survey_import

    bench_survey_import.main(["--responses", "200", "--batch", "100", "--out", str(tmp_path / "s.json")])
    rows = _rows(tmp_path / "s.json")
    assert any("COPY" in r["baseline"] for r in rows)

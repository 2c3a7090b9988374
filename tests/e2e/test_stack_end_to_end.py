"""The whole platform as processes: import the Bailian year, close it, compare with the golden results."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from jixiao.localstack.stack import running_stack
from jixiao.registry import SERVICES
from jixiao.samples import BAILIAN_BUNDLE
from jixiao.testing.servers import initdb_cache
from jixiao_cli.client import StackClient, addresses
from jixiao_cli.commands.scoring_client import close, fetch_results, rescore, wait_until_consistent
from jixiao_cli.importer import import_bundle, read_bundle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DATA = Path(__file__).resolve().parents[1] / "data"
PLAN = "bailian-2026"


def _golden() -> dict:
    doc = json.loads((DATA / "bailian-2026.results.json").read_text(), parse_float=Decimal)
    return _normalised(doc)


def _normalised(doc: dict) -> dict:
    for unit in doc["units"]:
        unit["missing"] = sorted(unit["missing"])
    return doc


async def _wait_pid_change(stack: dict, name: str, old: int, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = stack["services"][name]["pid"]
        if pid != old:
            return pid
        await asyncio.sleep(0.3)
    raise AssertionError(f"{name} was not restarted")


async def _ready(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError(f"{url} not ready")


async def test_bailian_year_through_the_running_services(tmp_path):
    data_dir = tmp_path / "stack"
    async with running_stack(data_dir, pg_fsync=False, initdb_cache=initdb_cache()) as stack:
        # stack.json is written in the documented shape
        on_disk = json.loads((data_dir / "stack.json").read_text())
        assert set(SERVICES) | {"broker", "postgres"} == set(on_disk["services"])
        assert on_disk["database_url"] and on_disk["kafka_bootstrap"]
        for name in SERVICES:
            assert on_disk["services"][name]["url"].startswith("http://") and on_disk["services"][name]["pid"] > 0

        client = StackClient(*addresses(stack))
        bundle = read_bundle(BAILIAN_BUNDLE)
        await asyncio.to_thread(import_bundle, client, bundle)
        await asyncio.to_thread(wait_until_consistent, client, PLAN, 180)
        closed = await asyncio.to_thread(close, client, PLAN, "Y", "e2e")
        assert closed["snapshot_version"] == 1 and closed["units"] == 37
        results = await asyncio.to_thread(fetch_results, client, PLAN, "Y")
        assert _normalised(results) == _golden()

        # every service serves valid Prometheus text
        async with httpx.AsyncClient() as http:
            for name in SERVICES:
                text = (await http.get(f"{client.urls[name]}/metrics")).text
                names = {f.name for f in text_string_to_metric_families(text)}
                assert f"jixiao_{name}_http_requests" in names

        # a service killed with -9 is restarted, and nothing it stored is lost
        old = stack["services"]["scoring"]["pid"]
        os.kill(old, signal.SIGKILL)
        await _wait_pid_change(stack, "scoring", old)
        await _ready(client.urls["scoring"])
        assert _normalised(await asyncio.to_thread(fetch_results, client, PLAN, "Y")) == _golden()

        # importing the same year again changes nothing
        again = await asyncio.to_thread(import_bundle, client, bundle)
        assert again["inspections"]["events"] == 0

        # a direct correction in a source shows up in the re-score diff, then in a new version
        async with httpx.AsyncClient() as http:
            r = await http.post(
                f"{client.urls['inspections']}/v1/plans/{PLAN}/deductions/d14/revoke",
                json={"reason": "appeal granted on review"},
                headers={"X-Actor": "e2e"},
            )
            assert r.status_code == 200, r.text
        stages: list[str] = []
        report = await asyncio.to_thread(rescore, client, PLAN, "Y", "e2e", lambda stage, *_: stages.append(stage))
        assert "reconcile" in stages and stages[-1] == "score"  # progress arrived while it ran
        changed = {d["unit"]: d for d in report["diff"]}
        assert "a01" in changed, report  # a01: its one 1-point deduction (d14) is revoked
        assert Decimal(str(changed["a01"]["new_total"])) > Decimal(str(changed["a01"]["old_total"]))
        reclosed = await asyncio.to_thread(close, client, PLAN, "Y", "e2e")
        assert reclosed["snapshot_version"] == 2
        first = await asyncio.to_thread(fetch_results, client, PLAN, "Y", 1)
        assert _normalised(first) == _golden()  # earlier versions stay readable

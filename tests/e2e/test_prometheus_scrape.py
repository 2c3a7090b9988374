"""A real Prometheus (Debian's `prometheus` binary, installed when missing) scrapes the local stack with
deploy/prometheus/alerts.yml loaded; its HTTP API answers `up` for every service and an application
metric, and lists the alert rules as healthy."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from jixiao.localstack.stack import running_stack
from jixiao.registry import SERVICES
from jixiao.testing.servers import initdb_cache

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "deploy"))
from tools import DEPLOY, debian_tool, python_module

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(stack: dict, rules: Path) -> dict:
    """prometheus.yml for the local stack: deploy's jobs (job = service), its alert rules, 1 s scrapes."""
    jobs = [
        {"job_name": name, "static_configs": [{"targets": [urlsplit(stack["services"][name]["url"]).netloc]}]}
        for name in SERVICES
    ]
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "scrape_configs": jobs,
    }


async def _query(http: httpx.AsyncClient, promql: str) -> list[dict]:
    answer = (await http.get("/api/v1/query", params={"query": promql})).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


async def _eventually(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await check()
        except (AssertionError, httpx.HTTPError):
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.5)


async def test_prometheus_scrapes_every_service(tmp_path):
    prometheus = debian_tool("prometheus", "prometheus")
    yaml = python_module("yaml", "pyyaml>=6")
    rules = tmp_path / "alerts.yml"
    shutil.copy(DEPLOY / "prometheus" / "alerts.yml", rules)
    async with running_stack(tmp_path / "stack", pg_fsync=False, initdb_cache=initdb_cache()) as stack:
        config = tmp_path / "prometheus.yml"
        config.write_text(yaml.safe_dump(_config(stack, rules)))
        port = _free_port()
        log = (tmp_path / "prometheus.log").open("w")
        proc = subprocess.Popen(
            [
                prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=10) as http:

                async def all_up() -> None:
                    up = {r["metric"]["job"]: r["value"][1] for r in await _query(http, "up")}
                    assert up == {name: "1" for name in SERVICES}, up

                async def app_metric() -> None:
                    # every scrape is a request: each service's own request counter is there
                    series = await _query(http, 'sum by (job) ({__name__=~"jixiao_.+_http_requests_total"})')
                    assert {r["metric"]["job"] for r in series} == set(SERVICES), series

                async def rules_loaded() -> None:
                    groups = (await http.get("/api/v1/rules")).json()["data"]["groups"]
                    loaded = {r["name"]: r["health"] for g in groups for r in g["rules"]}
                    assert loaded and set(loaded.values()) == {"ok"}, loaded

                await _eventually(all_up)
                await _eventually(app_metric)
                await _eventually(rules_loaded)
                firing = {a["labels"]["alertname"] for a in (await http.get("/api/v1/alerts")).json()["data"]["alerts"]}
                assert "JixiaoServiceDown" not in firing
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()

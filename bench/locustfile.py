"""Locust users for bench/load_county.py: a county's records through the REST and bulk APIs of the
local stack while dashboards are read. Reads its work from $JIXIAO_LOAD_WORK (written by
load_county.py): service URLs, the plan id, and the records cut into requests.

    locust -f bench/locustfile.py --headless ...   (load_county.py starts it; 127.0.0.1 only)
"""

from __future__ import annotations

import itertools
import json
import os
import threading

from locust import HttpUser, between, constant, task

WORK = json.loads(open(os.environ["JIXIAO_LOAD_WORK"], encoding="utf-8").read())
URLS, PLAN = WORK["urls"], WORK["plan"]
_lock = threading.Lock()
_queues = {name: iter(WORK[name]) for name in ("results", "responses", "deductions")}
HEADERS = {"content-type": "application/json"}


def _next(name: str):
    with _lock:
        return next(_queues[name], None)


class ResultsImporter(HttpUser):
    """Indicator results in bulk: indicators' `/v1/import`, whole units per request (idempotent)."""

    host = URLS["indicators"]
    wait_time = constant(0)
    fixed_count = 1

    @task
    def post(self) -> None:
        body = _next("results")
        if body is None:
            self.wait_time = constant(1)
            return
        self.client.post("/v1/import", data=body, headers=HEADERS, name="indicators POST /v1/import")


class ResponsesImporter(HttpUser):
    """Survey responses in bulk: `POST /v1/plans/{plan}/responses`."""

    host = URLS["surveys"]
    wait_time = constant(0)
    fixed_count = 1

    @task
    def post(self) -> None:
        body = _next("responses")
        if body is None:
            self.wait_time = constant(1)
            return
        self.client.post(f"/v1/plans/{PLAN}/responses", data=body, headers=HEADERS, name="surveys POST responses")


class DeductionRecorder(HttpUser):
    """Deductions one by one over REST, as inspectors record them: `POST /v1/plans/{plan}/deductions`."""

    host = URLS["inspections"]
    wait_time = constant(0)
    weight = 1  # every user beyond the four fixed ones

    @task
    def post(self) -> None:
        body = _next("deductions")
        if body is None:
            self.wait_time = constant(1)
            return
        self.client.post(f"/v1/plans/{PLAN}/deductions", data=body, headers=HEADERS, name="inspections POST deduction")


class DashboardReader(HttpUser):
    """Someone watching the county: the reports dashboard page and the scoring results."""

    host = URLS["reports"]
    wait_time = between(0.5, 1.5)
    fixed_count = 2
    _units = itertools.cycle(WORK["units"])

    @task(3)
    def dashboard(self) -> None:
        self.client.get(f"/dashboard/{PLAN}/Y", name="reports GET dashboard")

    @task(1)
    def unit_score(self) -> None:
        unit = next(self._units)
        self.client.get(f"{URLS['scoring']}/v1/plans/{PLAN}/periods/Y/units/{unit}", name="scoring GET unit score")

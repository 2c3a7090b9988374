"""Schemathesis against every service's own OpenAPI, in-process, with JIXIAO_AUTH on.

Each service is built on the test PostgreSQL and broker, the Bailian township's year is imported
where the service takes a bundle (so path parameters name a real plan, unit, round and period and
requests get past 404), and every operation gets a bounded number of generated requests with an
office token. Zero server errors and zero answers that break the documented response schemas:
what a service answers must be what its OpenAPI says (problems included).
"""

from __future__ import annotations

import json
import os
import zlib
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from jixiao.rules import exactjson
from jixiao.samples import BAILIAN_BUNDLE
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.auth import SECRET, bearer
from jixiao.testing.servers import fresh_database
from jixiao_cli.importer import split_bundle
from services.indicators.app import create_app as indicators_app
from services.inspections.app import create_app as inspections_app
from services.reports.app import create_app as reports_app
from services.scoring.app import create_app as scoring_app
from services.surveys.app import create_app as surveys_app

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", "10"))  # per operation
SERVICES = {
    "indicators": indicators_app,
    "surveys": surveys_app,
    "inspections": inspections_app,
    "scoring": scoring_app,
    "reports": reports_app,
}
OFFICE = bearer("fuzzer", "office")
PLAN, UNIT, PERIOD = "bailian-2026", "v01", "Y"


def _bundle() -> dict[str, Any]:
    bundle = json.loads(BAILIAN_BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)
    bundle["survey_responses"] = bundle["results"] = []  # thousands of rows add time, not routes
    return bundle


@pytest.fixture(scope="module")
def stack(pg_server, broker_bootstrap) -> Iterator[dict[str, Any]]:
    """The five apps on one fresh database, their lifespans started once (schemathesis' ASGI
    client keeps them on its own event loop until the end)."""
    with fresh_database(pg_server, prefix="fuzz") as url:
        yield from _stack(url, broker_bootstrap)


def _stack(url: str, broker_bootstrap: str) -> Iterator[dict[str, Any]]:
    apps = {
        svc: make(
            ServiceSettings(service=svc, grpc_port=0, auth=True, secret_key=SECRET),
            DatabaseSettings(database_url=url),
            KafkaSettings(kafka_bootstrap=broker_bootstrap),
        )
        for svc, make in SERVICES.items()
    }
    clients = {svc: asgi.get_client(app).__enter__() for svc, app in apps.items()}
    parts = split_bundle(_bundle())
    for svc, part in parts.items():
        r = clients[svc].post(
            "/v1/import", data=exactjson.dumps(part), headers={**OFFICE, "content-type": "application/json"}
        )
        assert r.status_code == 200, f"{svc}: {r.status_code} {r.text[:500]}"
    rounds = clients["surveys"].get(f"/v1/plans/{PLAN}/rounds", headers=OFFICE).json()
    fixed = {"plan_id": PLAN, "unit_id": UNIT, "period": PERIOD, "round": rounds[0]["round"] if rounds else "r1"}
    try:
        yield {"apps": apps, "clients": clients, "fixed": fixed}
    finally:
        asgi.shutdown_lifespans()


def _fuzz(app, client, fixed: dict[str, str]) -> tuple[list[str], Counter]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    seen: Counter = Counter()  # status codes answered: proof the requests got past the door
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            for key, value in fixed.items():
                # three in four cases name the real plan, unit, round and period (past the 404s);
                # the rest keep what schemathesis generated, so the path itself is fuzzed too
                if case.path_parameters and key in case.path_parameters:
                    if zlib.crc32(repr(case.path_parameters[key]).encode()) % 4:
                        case.path_parameters[key] = value
            response = case.call(session=client, headers=OFFICE)
            seen[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except Exception as exc:  # one line per operation that failed, all operations tried
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    return failures, seen


@pytest.mark.parametrize("service", list(SERVICES))
def test_no_server_errors_and_no_schema_violations(stack, service):
    failures, seen = _fuzz(stack["apps"][service], stack["clients"][service], stack["fixed"])
    print(service, dict(sorted(seen.items())))
    assert sum(n for status, n in seen.items() if status < 300) > 0, seen  # not all refused at the door
    assert seen[401] == 0, seen  # the office token is honoured (a 403 may be a body's own refusal)
    assert failures == [], f"{len(failures)} operations of {service} failed:\n\n" + "\n\n".join(failures)

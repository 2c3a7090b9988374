"""Every service's OpenAPI declares the bearer scheme and the problems the kernel really answers."""

from __future__ import annotations

import importlib

import pytest

from jixiao.registry import SERVICES
from jixiao.settings import ServiceSettings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("service", SERVICES)
def test_openapi_declares_bearer_and_problem_responses(service):
    app = importlib.import_module(f"services.{service}.app").create_app(ServiceSettings(service=service))
    schema = app.openapi()
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    operations = [op for path in schema["paths"].values() for op in path.values() if isinstance(op, dict)]
    assert operations
    for op in operations:
        assert {"401", "403", "413", "422", "500"} <= set(op["responses"]), op.get("operationId")
        assert "application/problem+json" in op["responses"]["500"]["content"]


@pytest.mark.parametrize("service", SERVICES)
def test_openapi_declares_404_409_412_428_where_the_kernel_answers_them(service):
    app = importlib.import_module(f"services.{service}.app").create_app(ServiceSettings(service=service))
    schema = app.openapi()
    checked = {"404": 0, "409": 0, "412": 0}
    for item in schema["paths"].values():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            params = op.get("parameters", [])
            responses = set(op["responses"])
            if any(p["in"] == "path" for p in params):
                assert "404" in responses, op["operationId"]
                checked["404"] += 1
            if method in {"post", "put", "patch", "delete"}:
                assert "409" in responses, op["operationId"]
                checked["409"] += 1
            if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in params):
                assert {"412", "428"} <= responses, op["operationId"]
                checked["412"] += 1
    assert checked["404"] and checked["409"]


def test_if_match_routes_are_documented_with_412_and_428():
    from services.indicators.app import create_app

    op = create_app().openapi()["paths"]["/v1/results/{result_id}"]["put"]
    assert {"404", "409", "412", "428"} <= set(op["responses"])
    assert "application/problem+json" in op["responses"]["412"]["content"]

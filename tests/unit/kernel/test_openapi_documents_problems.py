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

"""A transaction the database rolled back to break a deadlock is a 503 'send it again', not a 500."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from jixiao.http import install_problem_handlers

pytestmark = pytest.mark.unit


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/fail/{sqlstate}")
    async def fail(sqlstate: str) -> None:
        raise DBAPIError("SELECT 1", None, _DriverError(sqlstate))

    return app


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
async def test_deadlocks_and_serialization_failures_ask_for_a_retry(sqlstate):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        response = await client.get(f"/fail/{sqlstate}")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert "nothing was stored" in response.json()["detail"]


@pytest.mark.parametrize(("sqlstate", "status"), [("23505", 409), ("23503", 409), ("22003", 422), ("22021", 422)])
async def test_reused_ids_are_conflicts_and_unstorable_values_invalid(sqlstate, status):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        response = await client.get(f"/fail/{sqlstate}")
    assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")


async def test_other_database_errors_stay_errors():
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/fail/XX000")
    assert response.status_code == 500

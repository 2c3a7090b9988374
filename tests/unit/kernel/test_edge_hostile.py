"""Hostile requests at the kernel's edge, for every service alike: every error a problem with the
trace id (500 included, logged as one JSON line), bounded trace ids, 413 before the body is read,
one exact-JSON reader (deep nesting, huge decimals, NUL bytes refused), security headers, CSRF."""

from __future__ import annotations

import io
import json
import sys
import time
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from jixiao import auth
from jixiao import logging as jlog
from jixiao.http import install_observability, install_problem_handlers, use_exact_json
from jixiao.metrics import kernel_metrics
from jixiao.settings import ServiceSettings
from jixiao.testing.auth import SECRET
from jixiao.validation import BoundedDecimal, Limit, Name, Offset, Schema, YearQuery

pytestmark = pytest.mark.unit


class ResultIn(Schema):
    unit: Name
    actual: BoundedDecimal | None = None
    comment: str | None = None
    scores: dict[str, Decimal] = {}


def _app(settings: ServiceSettings | None = None) -> tuple[FastAPI, dict]:
    settings = settings or ServiceSettings(
        service="indicators", http_max_body_bytes=4096, http_max_import_bytes=64 * 1024
    )
    seen: dict = {"calls": 0}
    app = FastAPI()
    app.state.runtime = SimpleNamespace(settings=settings, revoked_tokens=frozenset())
    install_problem_handlers(app)

    async def ready() -> dict[str, bool]:
        return {"database": True}

    install_observability(app, kernel_metrics("edge-test"), ready, limit_for=settings.body_limit)
    router = APIRouter()

    @router.post("/v1/plans/{plan_id}/results", status_code=201)
    async def enter(plan_id: str, body: ResultIn, who: auth.Caller) -> dict:
        seen["calls"] += 1
        return {"unit": body.unit, "actual": str(body.actual), "who": who.user}

    @router.post("/v1/import")
    async def import_(request: Request) -> dict:
        seen["calls"] += 1
        return {"keys": sorted(await request.json())}

    @router.get("/v1/plans")
    async def plans(offset: Offset = 0, limit: Limit = 50, year: YearQuery = None) -> dict:
        return {"offset": offset, "limit": limit, "year": year}

    @router.get("/v1/boom")
    async def boom() -> dict:
        raise RuntimeError("the database said: secret parameters here")

    @router.get("/page", response_class=HTMLResponse, dependencies=[Depends(auth.signed_in)])
    async def page() -> str:
        return "<html><body>ranking</body></html>"

    use_exact_json(router)
    app.include_router(router)
    return app, seen


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://svc.test"
    )


async def test_a_500_is_a_problem_with_the_trace_id_logged_as_one_json_line(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    jlog.configure("edge-test")  # the services' real JSON configuration,
    structlog.configure(cache_logger_on_first_use=False)  # without binding loggers to this stream
    try:
        app, _ = _app()
        async with _client(app) as client:
            response = await client.get("/v1/boom", headers={"x-trace-id": "trace-abc"})
    finally:
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
    err = stream.getvalue()
    body = response.json()
    assert (response.status_code, response.headers["content-type"]) == (500, "application/problem+json")
    assert (body["trace_id"], response.headers["x-trace-id"]) == ("trace-abc", "trace-abc")
    assert "secret parameters" not in response.text and "Traceback" not in response.text
    lines = [json.loads(line) for line in err.splitlines() if "http.unhandled" in line]
    assert len(lines) == 1 and lines[0]["trace_id"] == "trace-abc" and "RuntimeError" in lines[0]["exception"]


@pytest.mark.parametrize("given", ["x" * 65, "bad id with spaces", "tab\there", "ünïcode"])
async def test_a_trace_id_that_is_too_long_or_unclean_is_replaced(given):
    app, _ = _app()
    async with _client(app) as client:
        response = await client.get("/v1/plans", headers={"x-trace-id": given.encode()})
    assert response.status_code == 200
    tid = response.headers["x-trace-id"]
    assert tid != given and len(tid) <= 64 and tid.isalnum()


async def test_a_body_over_the_limit_is_refused_413_before_the_route_reads_it():
    app, seen = _app()
    async with _client(app) as client:
        big = b'{"unit": "v01", "comment": "' + b"x" * 10_000 + b'"}'
        declared = await client.post("/v1/plans/p/results", content=big, headers={"content-type": "application/json"})

        async def chunks():
            for _ in range(10):
                yield b"x" * 1000

        streamed = await client.post(
            "/v1/plans/p/results", content=chunks(), headers={"content-type": "application/json"}
        )
        imported = await client.post(
            "/v1/import", content=b'{"plan": "' + b"x" * 10_000 + b'"}', headers={"content-type": "application/json"}
        )
        too_big_import = await client.post(
            "/v1/import", content=b"[" + b" " * 70_000 + b"]", headers={"content-type": "application/json"}
        )
    assert (declared.status_code, streamed.status_code) == (413, 413)
    assert declared.headers["content-type"] == "application/problem+json"
    assert imported.status_code == 200  # imports have a larger limit of their own
    assert too_big_import.status_code == 413
    assert seen["calls"] == 1


async def test_json_nested_200000_levels_deep_is_a_400_not_a_500():
    app, _ = _app(ServiceSettings(service="surveys", http_max_body_bytes=1 << 20))
    async with _client(app) as client:
        response = await client.post(
            "/v1/plans/p/results", content=b"[" * 200_000 + b"]" * 200_000, headers={"content-type": "application/json"}
        )
    assert (response.status_code, response.headers["content-type"]) == (400, "application/problem+json")


@pytest.mark.parametrize("actual", ["1E+999999999", "-5E+30", "1E-999999999", "1234567890.1234567890123"])
async def test_decimals_out_of_range_or_precision_are_refused_at_once(actual):
    app, seen = _app()
    start = time.perf_counter()
    async with _client(app) as client:
        as_string = await client.post("/v1/plans/p/results", json={"unit": "v01", "actual": actual})
        as_number = await client.post(
            "/v1/plans/p/results",
            content=f'{{"unit": "v01", "actual": {actual}}}',
            headers={"content-type": "application/json"},
        )
        nested = await client.post(
            "/v1/plans/p/results",
            content=f'{{"unit": "v01", "scores": {{"a": {actual}}}}}',
            headers={"content-type": "application/json"},
        )
    assert (as_string.status_code, as_number.status_code, nested.status_code) == (422, 422, 422)
    assert time.perf_counter() - start < 2 and seen["calls"] == 0


async def test_an_ordinary_decimal_passes():
    app, _ = _app()
    async with _client(app) as client:
        response = await client.post("/v1/plans/p/results", json={"unit": "v01", "actual": "11.40"})
    assert (response.status_code, response.json()["actual"]) == (201, "11.40")


@pytest.mark.parametrize(
    "body",
    [
        {"unit": "v\x0001"},
        {"unit": "v01\x08"},
        {"unit": "v01", "comment": "a\x00b"},
        {"unit": "v01", "comment": "\ud800"},
    ],
)
async def test_nul_bytes_and_control_characters_are_refused_in_every_string(body):
    app, seen = _app()
    async with _client(app) as client:
        response = await client.post(
            "/v1/plans/p/results", content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 422 and seen["calls"] == 0


@pytest.mark.parametrize("url", ["/v1/plans/p%00/results", "/v1/plans/p%08x/results", "/v1/plans?x=%00"])
async def test_control_characters_in_paths_and_queries_are_refused(url):
    app, _ = _app()
    async with _client(app) as client:
        response = await client.post(url, json={"unit": "v01"})
    assert (response.status_code, response.headers["content-type"]) == (400, "application/problem+json")


@pytest.mark.parametrize(
    "query", ["offset=99999999999999999999", "offset=-1", "limit=0", "limit=100000", "year=-817", "year=99999"]
)
async def test_paging_and_years_are_bounded(query):
    app, _ = _app()
    async with _client(app) as client:
        response = await client.get(f"/v1/plans?{query}")
    assert response.status_code == 422


async def test_html_pages_carry_a_csp_and_every_answer_nosniff():
    app, _ = _app()
    async with _client(app) as client:
        page = await client.get("/page")
        api = await client.get("/v1/plans")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers


async def test_the_cookie_authenticates_reads_but_not_cross_site_changes():
    settings = ServiceSettings(service="scoring", auth=True, secret_key=SECRET)
    app, seen = _app(settings)
    token = auth.issue_token(SECRET, "绩效办", ["office"])
    async with _client(app) as client:
        client.cookies.set(auth.COOKIE, token)
        read = await client.get("/page")
        forged = await client.post(
            "/v1/plans/p/results", json={"unit": "v01"}, headers={"origin": "https://evil.example"}
        )
        no_origin = await client.post("/v1/plans/p/results", json={"unit": "v01"})
        same_site = await client.post(
            "/v1/plans/p/results", json={"unit": "v01"}, headers={"origin": "http://svc.test"}
        )
    assert (read.status_code, forged.status_code, no_origin.status_code, same_site.status_code) == (200, 403, 403, 201)
    assert seen["calls"] == 1


async def test_a_revoked_token_is_refused():
    settings = ServiceSettings(service="scoring", auth=True, secret_key=SECRET)
    app, _ = _app(settings)
    token = auth.issue_token(SECRET, "绩效办", ["office"], token_id="revoked-1")
    app.state.runtime.revoked_tokens = frozenset({"revoked-1"})
    async with _client(app) as client:
        response = await client.get("/page", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401 and "revoked" in response.json()["detail"]

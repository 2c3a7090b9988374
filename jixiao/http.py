"""The FastAPI side every service shares: problem responses, metrics, health and readiness."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from jixiao.errors import JixiaoError
from jixiao.logging import get_logger, new_trace_id, trace_id_var
from jixiao.metrics import KernelMetrics, render

PROBLEM = "application/problem+json"
_RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
log = get_logger("jixiao.http")


def problem(status: int, title: str, detail: str, *, errors: list[dict] | None = None,
            type_: str = "about:blank", headers: dict | None = None) -> JSONResponse:
    """An RFC 9457 problem response."""
    body: dict = {"type": type_, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _slug(title: str) -> str:
    return "urn:jixiao:problem:" + title.lower().replace(" ", "-")


def install_problem_handlers(app: FastAPI) -> None:
    """Map our exceptions, validation errors and HTTP errors to problem responses, once."""

    @app.exception_handler(JixiaoError)
    async def _ours(_request: Request, exc: JixiaoError) -> JSONResponse:
        errors = [{"field": p.path, "message": p.message} for p in exc.problems]
        return problem(exc.status, exc.title, exc.detail, errors=errors, type_=_slug(exc.title),
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
                  for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid input", detail, errors=errors, type_=_slug("Invalid input"))

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:
        # A deadlock or serialization failure rolled the whole transaction back: nothing was
        # stored, and the same request may simply be sent again. Anything else is a 500.
        if _sqlstate(exc) in _RETRYABLE:
            log.warning("http.retryable_conflict", sqlstate=_sqlstate(exc))
            return problem(503, "Try again", "the database resolved a conflict with another writer by "
                           "rolling this request back; nothing was stored, send it again",
                           type_=_slug("Try again"), headers={"Retry-After": "1"})
        raise exc

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail), headers=getattr(exc, "headers", None))


def install_observability(app: FastAPI, metrics: KernelMetrics,
                          ready: Callable[[], Awaitable[dict[str, bool]]]) -> None:
    """Trace ids, request metrics, /healthz, /readyz and /metrics."""

    @app.middleware("http")
    async def _observe(request: Request, call_next):
        token = trace_id_var.set(request.headers.get("x-trace-id") or new_trace_id())
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["x-trace-id"] = trace_id_var.get()
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            metrics.http_requests.labels(request.method, path, str(status)).inc()
            metrics.http_latency.labels(request.method, path).observe(time.perf_counter() - start)
            trace_id_var.reset(token)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        checks = await ready()
        ok = all(checks.values())
        return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks},
                            status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        body, content_type = render()
        return PlainTextResponse(body, media_type=content_type)

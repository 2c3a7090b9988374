"""The FastAPI side every service shares: the edge guard (trace ids, size limits, clean URLs,
security headers, every error a problem), problem responses, exact JSON, metrics, health."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi import routing as fastapi_routing
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute, APIRouter
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from jixiao.errors import JixiaoError
from jixiao.logging import get_logger, new_trace_id, trace_id_var
from jixiao.metrics import KernelMetrics, render
from jixiao.rules import exactjson
from jixiao.validation import url_problem, value_problem

PROBLEM = "application/problem+json"
_RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure
_TRACE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
MAX_TRACE_ID = 64
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# FastAPI's own documentation pages load Swagger UI / ReDoc from their CDN with an inline script.
_DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")

log = get_logger("jixiao.http")


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)


def sanitise_trace_id(raw: str | None) -> str:
    """A caller's `x-trace-id` if it is a plain token of at most 64 characters, else a fresh one."""
    if raw and _TRACE_ID.match(raw):
        return raw
    return new_trace_id()


def _problem_body(status: int, title: str, detail: str, errors: list[dict] | None, type_: str) -> dict:
    body: dict = {"type": type_, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    trace_id = trace_id_var.get()
    if trace_id:
        body["trace_id"] = trace_id
    return body


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[dict] | None = None,
    type_: str = "about:blank",
    headers: dict | None = None,
) -> JSONResponse:
    """An RFC 9457 problem response (with the request's trace id)."""
    return JSONResponse(
        _problem_body(status, title, detail, errors, type_), status_code=status, media_type=PROBLEM, headers=headers
    )


def _slug(title: str) -> str:
    return "urn:jixiao:problem:" + title.lower().replace(" ", "-")


def install_problem_handlers(app: FastAPI) -> None:
    """Map our exceptions, validation errors, database and HTTP errors to problem responses, once."""

    @app.exception_handler(JixiaoError)
    async def _ours(_request: Request, exc: JixiaoError) -> JSONResponse:
        errors = [{"field": p.path, "message": p.message} for p in exc.problems]
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            errors=errors,
            type_=_slug(exc.title),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid input", detail, errors=errors, type_=_slug("Invalid input"))

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:
        sqlstate = _sqlstate(exc)
        # A deadlock or serialization failure rolled the whole transaction back: nothing was
        # stored, and the same request may simply be sent again.
        if sqlstate in _RETRYABLE:
            log.warning("http.retryable_conflict", sqlstate=sqlstate)
            return problem(
                503,
                "Try again",
                "the database resolved a conflict with another writer by "
                "rolling this request back; nothing was stored, send it again",
                type_=_slug("Try again"),
                headers={"Retry-After": "1"},
            )
        # A unique or foreign key the request collided with (a reused id): a conflict, not a crash.
        if isinstance(exc, IntegrityError) or (sqlstate or "").startswith("23"):
            log.info("http.integrity_conflict", sqlstate=sqlstate)
            return problem(
                409,
                "Conflict",
                "the request conflicts with stored data (an id already "
                "in use, or a reference to something that does not exist); nothing was stored",
                type_=_slug("Conflict"),
            )
        # Class 22 (data exception: out of range, invalid text): the input could not be stored.
        if (sqlstate or "").startswith("22"):
            log.info("http.data_error", sqlstate=sqlstate)
            return problem(
                422,
                "Invalid input",
                "a value is out of range or not valid for storage; nothing was stored",
                type_=_slug("Invalid input"),
            )
        raise exc

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, BodyRefused):
            return problem(exc.status_code, exc.title, str(exc.detail), type_=_slug(exc.title))
        return problem(exc.status_code, str(exc.detail), str(exc.detail), headers=getattr(exc, "headers", None))


class BodyRefused(StarletteHTTPException):
    """A JSON body the exact reader refused (an HTTPException, so FastAPI's body parsing lets it through)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(status, detail)
        self.title = title


class _ExactJSONRequest(Request):
    """A request whose JSON body is read by the one exact-JSON reader (Decimal numbers, no NaN, no
    deep nesting) and checked at the edge (bounded decimals, no control characters)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                doc = exactjson.loads(await self.body())
            except (ValueError, UnicodeDecodeError, RecursionError) as exc:
                raise BodyRefused(400, "Bad request", f"the body is not valid JSON: {str(exc)[:300]}") from exc
            trouble = value_problem(doc)
            if trouble:
                raise BodyRefused(422, "Invalid input", f"the body is not acceptable: {trouble[:300]}")
            self._json = doc
        return self._json


def _exact(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    async def route(request: Request) -> Response:
        return await handler(_ExactJSONRequest(request.scope, request.receive))

    return route


class _ExactJSON:
    """Mixin of route classes whose handlers read JSON bodies with the exact reader."""

    def get_route_handler(self) -> Callable:
        return _exact(super().get_route_handler())  # type: ignore[misc]


class ExactJSONRoute(_ExactJSON, APIRoute):
    """Route class reading JSON bodies with the one exact reader (use it as `route_class`)."""


_EXACT_CLASSES: dict[type, type] = {}


def use_exact_json(router: APIRouter) -> None:
    """Every API route of `router` (and of routers included in it) reads JSON bodies with the exact
    reader: one reader for every service. Call before the router is included in the app."""
    for route in router.routes:
        if isinstance(route, APIRoute) and not isinstance(route, _ExactJSON):
            cls = type(route)
            route.__class__ = _EXACT_CLASSES.setdefault(cls, type(f"Exact{cls.__name__}", (_ExactJSON, cls), {}))
            route.app = fastapi_routing.request_response(route.get_route_handler())  # for direct use
        inner = getattr(route, "original_router", None)
        if isinstance(inner, APIRouter):
            use_exact_json(inner)


class EdgeGuard:
    """ASGI middleware around every request: a bounded trace id, URL and body-size checks (413
    before the body is buffered), security headers, and a problem (never a traceback) for any
    error, logged as one JSON line."""

    def __init__(self, app, *, limit_for: Callable[[dict], int], metrics: KernelMetrics | None = None) -> None:
        self.app = app
        self.limit_for = limit_for
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        token = trace_id_var.set(sanitise_trace_id(headers.get("x-trace-id")))
        start, state = time.perf_counter(), {"started": False, "status": 500, "closed": False}

        async def guarded_send(message) -> None:
            if state["closed"]:
                return  # we already answered (413): drop the app's answer
            if message["type"] == "http.response.start":
                state["started"], state["status"] = True, message["status"]
                message = dict(message, headers=_secure_headers(scope, message.get("headers", [])))
            await send(message)

        try:
            refusal = self._refusal(scope, headers)
            if refusal is not None:
                await _send_problem(guarded_send, *refusal)
                return
            limit = self.limit_for(scope)
            seen = 0

            async def limited_receive():
                nonlocal seen
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > limit:
                        if not state["started"]:
                            await _send_problem(
                                guarded_send,
                                413,
                                "Payload too large",
                                f"the body is larger than the limit of {limit} bytes for this route",
                            )
                        state["closed"] = True
                        return {"type": "http.disconnect"}
                return message

            await self.app(scope, limited_receive, guarded_send)
        except Exception as exc:  # every error a problem: never a bare traceback
            log.error(
                "http.unhandled",
                method=scope.get("method"),
                path=scope.get("path"),
                error=f"{type(exc).__name__}: {str(exc)[:500]}",
                exc_info=True,
            )
            if not state["started"] and not state["closed"]:
                await _send_problem(
                    guarded_send,
                    500,
                    "Internal error",
                    "the service failed on this request; the trace id names it in the logs",
                )
        finally:
            if self.metrics is not None:
                path = getattr(scope.get("route"), "path", "unmatched")
                self.metrics.http_requests.labels(scope["method"], path, str(state["status"])).inc()
                self.metrics.http_latency.labels(scope["method"], path).observe(time.perf_counter() - start)
            trace_id_var.reset(token)

    def _refusal(self, scope, headers: dict[str, str]) -> tuple[int, str, str] | None:
        query = scope.get("query_string", b"").decode("latin-1")
        from urllib.parse import unquote

        trouble = url_problem(scope.get("path", ""), unquote(query, errors="surrogateescape"))
        if trouble:
            return 400, "Bad request", trouble
        length = headers.get("content-length")
        limit = self.limit_for(scope)
        if length is not None:
            if not length.isdigit():
                return 400, "Bad request", "Content-Length must be a number"
            if int(length) > limit:
                return 413, "Payload too large", f"the body is larger than the limit of {limit} bytes for this route"
        return None


def _secure_headers(scope, raw: list) -> list:
    out = [(k, v) for k, v in raw if k.lower() not in (b"x-trace-id",)]
    out.append((b"x-trace-id", trace_id_var.get().encode()))
    names = {k.lower() for k, _ in out}
    if b"x-content-type-options" not in names:
        out.append((b"x-content-type-options", b"nosniff"))
    content_type = next((v for k, v in out if k.lower() == b"content-type"), b"")
    if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
        csp = _DOCS_CSP if scope.get("path") in _DOCS_PATHS else CSP
        out.append((b"content-security-policy", csp.encode()))
    return out


async def _send_problem(send, status: int, title: str, detail: str) -> None:
    body = json.dumps(_problem_body(status, title, detail, None, _slug(title)), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install_observability(
    app: FastAPI,
    metrics: KernelMetrics,
    ready: Callable[[], Awaitable[dict[str, bool]]],
    limit_for: Callable[[dict], int] | None = None,
) -> None:
    """The edge guard (trace ids, limits, headers, request metrics), /healthz, /readyz and /metrics."""
    app.add_middleware(EdgeGuard, limit_for=limit_for or (lambda _scope: 1 << 20), metrics=metrics)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        checks = await ready()
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        body, content_type = render()
        return PlainTextResponse(body, media_type=content_type)


_PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "trace_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}},
        },
    },
}


def _problem_response(description: str) -> dict:
    return {"description": description, "content": {PROBLEM: {"schema": _PROBLEM_SCHEMA}}}


# What every route of every service may answer besides its own successes (all problem+json).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_response("malformed request: not JSON, nested too deeply, control characters in the URL"),
    401: _problem_response("no valid bearer token (with JIXIAO_AUTH on)"),
    403: _problem_response("the token's role or units do not allow this"),
    413: _problem_response("the body is larger than this route class's limit"),
    422: _problem_response("invalid input: every bad field listed in errors"),
    500: _problem_response("the service failed; the trace_id names it in the logs"),
}


_WRITES = frozenset({"post", "put", "patch", "delete"})
# What the kernel answers for an operation, by what the operation has (jixiao.errors' classes).
_NOT_FOUND = _problem_response("the plan, unit or other record named in the path is not known")
_CONFLICT = _problem_response("the change conflicts with stored data (an id in use, a closed period, a state)")
_STALE = _problem_response("If-Match names a revision that is no longer current (read it again)")
_NO_IF_MATCH = _problem_response("this change needs If-Match with the revision read (ETag)")


def document_problems(schema: dict[str, Any]) -> None:
    """Add to each operation of an OpenAPI document the problems the kernel answers for what the
    operation has: 404 with path parameters, 409 for changes, 412/428 with an If-Match header,
    besides the 400/401/403/413/422/500 every route declares (PROBLEM_RESPONSES). A route's own
    declaration of a status is kept."""
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            params = [*item.get("parameters", []), *operation.get("parameters", [])]
            wanted: dict[str, dict[str, Any]] = {}
            if any(p.get("in") == "path" for p in params):
                wanted["404"] = _NOT_FOUND
            if method in _WRITES:
                wanted["409"] = _CONFLICT
            if any(p.get("in") == "header" and str(p.get("name", "")).lower() == "if-match" for p in params):
                wanted["412"], wanted["428"] = _STALE, _NO_IF_MATCH
            for status, response in wanted.items():
                operation["responses"].setdefault(status, response)


def document_security(app: FastAPI) -> None:
    """Declare the bearer scheme (a token from `jixiao token`) and the kernel's problem answers
    (document_problems) in the app's OpenAPI."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "a token issued by `jixiao token` (or the jixiao_token cookie, for reads)",
            }
            schema["security"] = [{"bearer": []}]
            document_problems(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

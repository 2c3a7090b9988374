"""The CLI's way to the running stack: service URLs from stack.json (or flags), problems as errors."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from jixiao.errors import JixiaoError, Unavailable
from jixiao.registry import SERVICES


class ServiceProblem(JixiaoError):
    """A service answered with a problem response; `detail` and `problems` come from it."""

    status = 400
    title = "Service refused the request"


@dataclass
class StackClient:
    """HTTP (and gRPC addresses) of the five services."""

    urls: dict[str, str]
    grpc: dict[str, str]
    timeout: float = 120.0
    token: str | None = field(default_factory=lambda: os.environ.get("JIXIAO_TOKEN") or None)

    @classmethod
    def from_stack(cls, data_dir: Path, overrides: dict[str, str] | None = None) -> StackClient:
        """Read `$JIXIAO_DATA_DIR/stack.json`; `overrides` maps service → URL (then no stack is needed)."""
        overrides = {k: v for k, v in (overrides or {}).items() if v}
        urls: dict[str, str] = {}
        grpc: dict[str, str] = {}
        if set(overrides) != set(SERVICES):
            from jixiao.localstack.stack import load_stack

            stack = load_stack(data_dir)
            urls, grpc = addresses(stack)
        urls.update(overrides)
        return cls(urls, grpc)

    def request(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = self.urls.get(service)
        if not url:
            raise Unavailable(f"no URL for the {service} service (is it running?)")
        if self.token:
            kwargs["headers"] = {"authorization": f"Bearer {self.token}", **kwargs.get("headers", {})}
        try:
            response = httpx.request(method, url.rstrip("/") + path, timeout=self.timeout, **kwargs)
        except httpx.HTTPError as exc:
            raise Unavailable(f"{service} at {url} cannot be reached: {exc}") from exc
        if response.status_code >= 400:
            raise _problem(service, response)
        return response

    def stream_lines(self, service: str, method: str, path: str, **kwargs: Any) -> Iterator[str]:
        """The lines of a streamed answer (NDJSON), as they arrive; problems raise like `request`."""
        url = self.urls.get(service)
        if not url:
            raise Unavailable(f"no URL for the {service} service (is it running?)")
        headers = dict(kwargs.pop("headers", {}))
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        try:
            with httpx.stream(
                method, url.rstrip("/") + path, timeout=self.timeout, headers=headers, **kwargs
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _problem(service, response)
                yield from (line for line in response.iter_lines() if line.strip())
        except httpx.HTTPError as exc:
            raise Unavailable(f"{service} at {url} cannot be reached: {exc}") from exc

    def get_json(self, service: str, path: str, **kwargs: Any) -> Any:
        return self.request(service, "GET", path, **kwargs).json()

    def post_json(self, service: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        content = json.dumps(body, ensure_ascii=False, default=str).encode() if body is not None else None
        headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
        return self.request(service, "POST", path, content=content, headers=headers, **kwargs).json()


def addresses(stack: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """HTTP URLs and gRPC targets of the five services in a stack description (stack.json)."""
    services = {name: stack["services"][name] for name in SERVICES if name in stack["services"]}
    return ({n: s["url"] for n, s in services.items()}, {n: s.get("grpc", "") for n, s in services.items()})


def _problem(service: str, response: httpx.Response) -> ServiceProblem:
    from jixiao.errors import FieldProblem

    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:500]}
    problems = [FieldProblem(e.get("field", ""), e.get("message", "")) for e in body.get("errors", []) or []]
    err = ServiceProblem(
        f"{service}: {body.get('detail') or body.get('title') or response.status_code}", problems=problems
    )
    err.status = response.status_code
    return err

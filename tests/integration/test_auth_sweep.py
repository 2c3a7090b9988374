"""Every write route of every service, with JIXIAO_AUTH on, tried as an attacker would.

The routes come from each service's own app (its OpenAPI operations and the pages' forms), so a
route added tomorrow is swept too. For each one: anonymous, a forged token (another key), an
expired token and a revoked one answer 401; every role the route does not allow answers 403; and
where the path names a unit of a plan, a unit officer of that unit id in another plan (or of
every unit of another plan) answers 403 — all before any handler runs, so the requests need no
valid bodies and nothing can be stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from jixiao.auth import ROLES, UNIT, issue_token, token_id_of
from jixiao.revocation import revoke
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.auth import SECRET
from services.indicators.app import create_app as indicators_app
from services.inspections.app import create_app as inspections_app
from services.reports.app import create_app as reports_app
from services.scoring.app import create_app as scoring_app
from services.scoring.app import service_of
from services.surveys.app import create_app as surveys_app

pytestmark = pytest.mark.integration

SERVICES = {
    "indicators": indicators_app,
    "inspections": inspections_app,
    "reports": reports_app,
    "scoring": scoring_app,
    "surveys": surveys_app,
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PLAN = "bailian-2026"
VALUES = {"plan_id": PLAN, "unit_id": "v01", "period": "Y", "version": "1", "round": "r1"}
# Write routes any signed-in caller may use, by design (the README's role table says why).
OPEN_TO_EVERY_ROLE = {
    ("reports", "POST", "/v1/plans/{plan_id}/periods/{period}/notices/{version}/objections"),  # 异议: anyone
    ("reports", "POST", "/notice/{plan_id}/{period}/v{version}/objections"),  # the notice page's form
}


@dataclass(frozen=True)
class Write:
    service: str
    method: str
    path: str  # the template, e.g. /v1/plans/{plan_id}/units/{unit_id}/frame
    roles: frozenset[str] | None  # the roles the route allows; None: any signed-in caller

    @property
    def url(self) -> str:
        return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: VALUES.get(m.group(1), "x1"), self.path)

    @property
    def names_unit(self) -> bool:
        return "{plan_id}" in self.path and "{unit_id}" in self.path

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"


def _allowed_roles(route) -> frozenset[str] | None:
    """The roles of every `jixiao.auth.require(...)` the route depends on (their intersection)."""
    found: frozenset[str] | None = None
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            found = roles if found is None else found & roles
        stack.extend(dep.dependencies)
    return found


def _apps(database_url: str) -> dict[str, object]:
    return {
        name: make(
            ServiceSettings(service=name, grpc_port=0, auth=True, secret_key=SECRET),
            DatabaseSettings(database_url=database_url),
            KafkaSettings(kafka_bootstrap="127.0.0.1:9"),
        )
        for name, make in SERVICES.items()
    }


def _writes(name: str, app) -> Iterator[Write]:
    for route in iter_route_contexts(app.routes):  # as the app serves them (included routers too)
        if isinstance(route.original_route, APIRoute):
            for method in sorted(route.methods & WRITES):
                yield Write(name, method, route.path, _allowed_roles(route))


@pytest.fixture
async def clients(database_url) -> AsyncIterator[dict[str, tuple[object, httpx.AsyncClient]]]:
    # No lifespan: every refusal must come before a handler (and the database) is reached. The
    # revocation list is read as each service reads it, from the shared auth.revoked_tokens.
    apps = _apps(database_url)
    service_of(apps["scoring"].state.runtime)  # scoring's use cases, wired as its lifespan would
    out = {
        name: (app, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"))
        for name, app in apps.items()
    }
    try:
        yield out
    finally:
        for app, client in out.values():
            await client.aclose()
            await app.state.runtime.db.dispose()


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _token(*roles: str, units: tuple[str, ...] = (), secret: str = SECRET, **kw) -> dict[str, str]:
    return _bearer(issue_token(secret, "sweeper", roles, units or (("elsewhere:u9",) if UNIT in roles else ()), **kw))


def test_every_service_has_write_routes_with_their_roles_declared():
    apps = _apps("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    writes = [w for name, app in apps.items() for w in _writes(name, app)]
    assert {w.service for w in writes} == set(SERVICES)
    undeclared = [str(w) for w in writes if w.roles is None and (w.service, w.method, w.path) not in OPEN_TO_EVERY_ROLE]
    assert undeclared == [], "write routes without a role check (jixiao.auth.require): " + "; ".join(undeclared)


async def test_every_write_route_refuses_strangers_wrong_roles_and_other_plans_units(clients, database_url):
    apps = {name: app for name, (app, _client) in clients.items()}
    revoked_token = issue_token(SECRET, "former", ["office"])
    assert await revoke(database_url, token_id_of(revoked_token), by="test", reason="left the office")
    for app in apps.values():
        await app.state.runtime.refresh_revocations()
        assert token_id_of(revoked_token) in app.state.runtime.revoked_tokens

    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
    strangers = {
        "anonymous": {},
        "forged": _token("office", secret=SECRET + "-forged"),
        "expired": _token("office", days=1, now=long_ago),
        "revoked": _bearer(revoked_token),
        "not bearer": {"authorization": f"Basic {issue_token(SECRET, 'x', ['office'])}"},
    }
    other_plans = {
        "same unit id, other plan": _token(UNIT, units=("other-plan:v01",)),
        "every unit of another plan": _token(UNIT, units=("other-plan:*",)),
    }
    failures: list[str] = []
    swept = 0
    for name, app in apps.items():
        client = clients[name][1]
        for w in _writes(name, app):
            swept += 1

            async def call(headers: dict[str, str], w: Write = w, client: httpx.AsyncClient = client) -> httpx.Response:
                try:  # a refusal is immediate; a request that reaches a handler may wait for a server
                    return await asyncio.wait_for(client.request(w.method, w.url, json={}, headers=headers), 5)
                except TimeoutError:
                    return httpx.Response(599, text="no answer within 5 s: it got past the door")

            for who, headers in strangers.items():
                r = await call(headers)
                if r.status_code != 401 or not r.headers["content-type"].startswith("application/problem+json"):
                    failures.append(f"{w} as {who}: {r.status_code} {r.text[:120]}")
            for role in sorted(set(ROLES) - (w.roles or set(ROLES))):
                r = await call(_token(role))
                if r.status_code != 403:
                    failures.append(f"{w} as {role} (allowed: {sorted(w.roles or ())}): {r.status_code} {r.text[:120]}")
            if w.names_unit:
                for who, headers in other_plans.items():
                    r = await call(headers)
                    if r.status_code != 403:
                        failures.append(f"{w} as a unit officer of {who}: {r.status_code} {r.text[:120]}")
    assert swept > 40
    assert failures == [], f"{len(failures)} of the refusals failed:\n" + "\n".join(failures)


async def test_a_unit_named_in_the_body_of_another_plan_is_refused(clients):
    # the same unit id in another plan's scope: units are keyed by (plan, unit), never by id alone
    _app, indicators = clients["indicators"]
    body = {"period": "Y", "unit": "v01", "indicator": "I1.1", "actual": "11.4"}
    for units in (("other-plan:v01",), ("other-plan:*",)):
        r = await indicators.post(f"/v1/plans/{PLAN}/results", json=body, headers=_token(UNIT, units=units))
        assert r.status_code == 403 and "v01" in r.json()["detail"], r.text

"""Who is calling: roles and units from a signed bearer token (HS256 with JIXIAO_SECRET_KEY).

Roles follow the domain (docs/domain.md): the performance office, assessors, assessed units,
inspectors, survey interviewers, leaders, and other systems. A unit officer's token names the
plan-qualified units they may act for (`PLAN:UNIT`, or `PLAN:*` for every unit of one plan): units
are keyed by (plan, unit), so a bare unit id would reach the same id in every other plan. With
auth off (the local default) every caller is the local operator, who may do everything;
`JIXIAO_AUTH=true` (the production default) requires a token. Tokens carry an issuer and an id
(`jti`); ids the office revoked (`jixiao token revoke ID`, `jixiao.revocation`) are refused.

The `jixiao_token` cookie (pages opened in a browser) authenticates reads; a change sent with the
cookie alone must carry an `Origin` (or `Referer`) of the service itself, so a cross-site form
cannot ride on it (CSRF).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request

from jixiao.errors import Forbidden, InvalidInput, Unauthorized

OFFICE, ASSESSOR, UNIT, INSPECTOR, INTERVIEWER, LEADER, SYSTEM = (
    "office",
    "assessor",
    "unit",
    "inspector",
    "interviewer",
    "leader",
    "system",
)
ROLES = (OFFICE, ASSESSOR, UNIT, INSPECTOR, INTERVIEWER, LEADER, SYSTEM)
ALL_UNITS = "*"
COOKIE = "jixiao_token"
_ALGORITHM = "HS256"
_AUDIENCE = "jixiao"
ISSUER = "jixiao"
_SCOPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}:(\*|[A-Za-z0-9][A-Za-z0-9._\-]{0,127})$")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """The caller: a user name, roles, the plan-qualified units they act for (`PLAN:UNIT`,
    `PLAN:*`; ALL_UNITS only for the local operator) and the token's id."""

    user: str
    roles: frozenset[str]
    units: frozenset[str] = frozenset()
    authenticated: bool = True
    token_id: str = ""

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def may_act_for(self, plan_id: str, unit_id: str) -> bool:
        return ALL_UNITS in self.units or f"{plan_id}:{unit_id}" in self.units or f"{plan_id}:{ALL_UNITS}" in self.units

    def plans(self) -> frozenset[str]:
        """The plans whose units this caller may act for (by scope)."""
        return frozenset(u.partition(":")[0] for u in self.units if ":" in u)


LOCAL_OPERATOR = Principal("local", frozenset(ROLES), frozenset({ALL_UNITS}), authenticated=False)


def issue_token(
    secret: str,
    user: str,
    roles: Iterable[str],
    units: Iterable[str] = (),
    *,
    days: float = 30,
    now: dt.datetime | None = None,
    token_id: str | None = None,
) -> str:
    """A signed token for `user` with these roles and units, valid for `days`."""
    roles, units = sorted(set(roles)), sorted(set(units))
    unknown = [r for r in roles if r not in ROLES]
    if not user or not roles or unknown:
        raise InvalidInput(
            f"a token needs a user and roles from {', '.join(ROLES)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    if UNIT in roles and not units:
        raise InvalidInput("a unit officer's token must name the units they act for (--unit PLAN:UNIT)")
    bad = [u for u in units if not _SCOPE.match(u)]
    if bad:
        raise InvalidInput(f"units are plan-qualified: PLAN:UNIT or PLAN:* (not {', '.join(bad)})")
    now = now or dt.datetime.now(dt.UTC)
    claims = {
        "sub": user,
        "roles": roles,
        "units": units,
        "aud": _AUDIENCE,
        "iss": ISSUER,
        "jti": token_id or uuid.uuid4().hex,
        "iat": now,
        "exp": now + dt.timedelta(days=days),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def token_id_of(token: str) -> str:
    """The id (`jti`) of a token, read without checking it (to show or revoke it)."""
    try:
        return str(jwt.decode(token, options={"verify_signature": False}).get("jti", ""))
    except jwt.PyJWTError as exc:
        raise InvalidInput(f"not a token: {exc}") from exc


def read_token(secret: str, token: str, revoked: frozenset[str] | set[str] = frozenset()) -> Principal:
    """The principal of a valid token; Unauthorized for a forged, expired, revoked or malformed one."""
    if len(token) > 8192:
        raise Unauthorized("the token is not valid: too long")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            issuer=ISSUER,
            options={"require": ["sub", "exp", "aud", "iss", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the token has expired; ask the performance office for a new one") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from exc
    roles = claims.get("roles")
    units = claims.get("units", [])
    if not isinstance(roles, list) or not isinstance(units, list):
        raise Unauthorized("the token's roles and units must be lists")
    token_id = str(claims["jti"])
    if token_id in revoked:
        raise Unauthorized(f"the token {token_id} has been revoked; ask the performance office for a new one")
    scoped = frozenset(u for u in map(str, units) if _SCOPE.match(u))  # bare unit ids grant nothing
    return Principal(str(claims["sub"]), frozenset(map(str, roles)) & frozenset(ROLES), scoped, token_id=token_id)


def _same_origin(request: Request) -> bool:
    """Whether a browser request comes from a page of this very service (Origin, else Referer)."""
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    host = request.headers.get("host", "")
    if not source or not host:
        return False
    rest = source.split("://", 1)[-1]
    return rest.split("/", 1)[0].lower() == host.lower()


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller (the local operator when auth is off)."""
    settings = request.app.state.runtime.settings
    if not settings.auth_required:
        caller_var.set(LOCAL_OPERATOR)
        return LOCAL_OPERATOR
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = request.cookies.get(COOKIE, "")  # pages opened in a browser
        if token.strip() and request.method not in _SAFE_METHODS and not _same_origin(request):
            raise Forbidden(
                "a change authenticated by the jixiao_token cookie alone must come from this "
                "service's own pages (Origin); send `Authorization: Bearer <token>` instead"
            )
    if not token.strip():
        raise Unauthorized("this service needs `Authorization: Bearer <token>` (see `jixiao token`)")
    revoked = getattr(request.app.state.runtime, "revoked_tokens", frozenset())
    who = read_token(settings.secret_key, token.strip(), revoked)
    caller_var.set(who)
    return who


Caller = Annotated[Principal, Depends(current_principal)]

# The caller of the request or call being handled, for the audit trail (set by current_principal).
caller_var: ContextVar[Principal | None] = ContextVar("jixiao_caller", default=None)


# The dependencies below are `async def` although they do not await: FastAPI runs a plain `def`
# dependency on a worker thread, a thread hop per dependency per request (3% of a unit-score GET
# of scoring in its profile, bench/notes.md).


async def signed_in(who: Caller) -> Principal:
    """Router-level dependency: any valid token (any role) may read."""
    return who


def require(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency that lets only callers with one of `roles` through (403 otherwise)."""

    async def check(who: Caller) -> Principal:
        if not who.has(*roles):
            raise Forbidden(f"{who.user} may not do this: it needs the role {' or '.join(roles)}")
        return who

    check.roles = frozenset(roles)  # type: ignore[attr-defined]  # what the route allows (OpenAPI, tests)
    return check


def require_unit(who: Principal, plan_id: str, unit_id: str) -> None:
    """A unit officer acts only for their own units of their own plans (office and assessors for any)."""
    if who.has(OFFICE, ASSESSOR) or who.may_act_for(plan_id, unit_id):
        return
    raise Forbidden(f"{who.user} does not act for unit {unit_id!r} of plan {plan_id!r}")


# Roles that act on units by office, not as the unit: a caller with one of them is checked by the
# route's own role rules; a caller with none of them writes only for the units their token names.
_BEYOND_UNITS = (OFFICE, ASSESSOR, INSPECTOR, INTERVIEWER, SYSTEM)


async def unit_in_path(request: Request) -> None:
    """Router dependency (every service, jixiao.runtime): a change to a path that names a unit of a
    plan (`{plan_id}` and `{unit_id}`) by a unit officer must be to one of their own units — refused
    with 403 before the body is read, whatever the route's own checks are."""
    if request.method in _SAFE_METHODS:
        return
    plan_id, unit_id = request.path_params.get("plan_id"), request.path_params.get("unit_id")
    if not plan_id or not unit_id:
        return
    who = await current_principal(request)
    if not who.has(*_BEYOND_UNITS):
        require_unit(who, plan_id, unit_id)


def may_see_unit(who: Principal, plan_id: str, unit_id: str, *roles: str) -> bool:
    """Whether `who` may read a unit's non-public data: the given roles (office by default) for
    any unit, a unit officer for their own."""
    return who.has(OFFICE, *roles) or (who.has(UNIT) and who.may_act_for(plan_id, unit_id))


def own_units(who: Principal, plan_id: str) -> frozenset[str] | None:
    """The units of `plan_id` a unit officer acts for (None: every unit of the plan, by `PLAN:*`
    or as the local operator); a listing narrowed to them shows a unit officer only their own."""
    if ALL_UNITS in who.units or f"{plan_id}:{ALL_UNITS}" in who.units:
        return None
    prefix = f"{plan_id}:"
    return frozenset(u[len(prefix) :] for u in who.units if u.startswith(prefix))


def actor_name(who: Principal, given: str | None) -> str | None:
    """Who did it, for audit: the token's user when there is one, else what the request said."""
    return who.user if who.authenticated else given

"""Who is calling: roles and units from a signed bearer token (HS256 with JIXIAO_SECRET_KEY).

Roles follow the domain (docs/domain.md): the performance office, assessors, assessed units,
inspectors, survey interviewers, leaders, and other systems. A unit officer's token names the
units they may act for. With auth off (the local default) every caller is the local operator,
who may do everything; `JIXIAO_AUTH=true` (the production default) requires a token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request

from jixiao.errors import Forbidden, InvalidInput, Unauthorized

OFFICE, ASSESSOR, UNIT, INSPECTOR, INTERVIEWER, LEADER, SYSTEM = (
    "office", "assessor", "unit", "inspector", "interviewer", "leader", "system")
ROLES = (OFFICE, ASSESSOR, UNIT, INSPECTOR, INTERVIEWER, LEADER, SYSTEM)
ALL_UNITS = "*"
COOKIE = "jixiao_token"
_ALGORITHM = "HS256"
_AUDIENCE = "jixiao"


@dataclass(frozen=True)
class Principal:
    """The caller: a user name, roles, and the units they act for (ALL_UNITS: any)."""

    user: str
    roles: frozenset[str]
    units: frozenset[str] = frozenset()
    authenticated: bool = True

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def may_act_for(self, unit_id: str) -> bool:
        return ALL_UNITS in self.units or unit_id in self.units


LOCAL_OPERATOR = Principal("local", frozenset(ROLES), frozenset({ALL_UNITS}), authenticated=False)


def issue_token(secret: str, user: str, roles: Iterable[str], units: Iterable[str] = (), *,
                days: float = 30, now: dt.datetime | None = None) -> str:
    """A signed token for `user` with these roles and units, valid for `days`."""
    roles, units = sorted(set(roles)), sorted(set(units))
    unknown = [r for r in roles if r not in ROLES]
    if not user or not roles or unknown:
        raise InvalidInput(f"a token needs a user and roles from {', '.join(ROLES)}"
                           + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    if UNIT in roles and not units:
        raise InvalidInput("a unit officer's token must name the units they act for (--unit)")
    now = now or dt.datetime.now(dt.UTC)
    claims = {"sub": user, "roles": roles, "units": units, "aud": _AUDIENCE,
              "iat": now, "exp": now + dt.timedelta(days=days)}
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def read_token(secret: str, token: str) -> Principal:
    """The principal of a valid token; Unauthorized for a forged, expired or malformed one."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], audience=_AUDIENCE,
                            options={"require": ["sub", "exp", "aud"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the token has expired; ask the performance office for a new one") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from exc
    roles = claims.get("roles")
    units = claims.get("units", [])
    if not isinstance(roles, list) or not isinstance(units, list):
        raise Unauthorized("the token's roles and units must be lists")
    return Principal(str(claims["sub"]), frozenset(map(str, roles)) & frozenset(ROLES), frozenset(map(str, units)))


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller (the local operator when auth is off)."""
    settings = request.app.state.runtime.settings
    if not settings.auth_required:
        return LOCAL_OPERATOR
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = request.cookies.get(COOKIE, "")     # pages opened in a browser
    if not token.strip():
        raise Unauthorized("this service needs `Authorization: Bearer <token>` (see `jixiao token`)")
    return read_token(settings.secret_key, token.strip())


Caller = Annotated[Principal, Depends(current_principal)]


def signed_in(who: Caller) -> Principal:
    """Router-level dependency: any valid token (any role) may read."""
    return who


def require(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency that lets only callers with one of `roles` through (403 otherwise)."""

    def check(who: Caller) -> Principal:
        if not who.has(*roles):
            raise Forbidden(f"{who.user} may not do this: it needs the role {' or '.join(roles)}")
        return who

    return check


def require_unit(who: Principal, unit_id: str) -> None:
    """A unit officer acts only for their own units (office and assessors for any)."""
    if who.has(OFFICE, ASSESSOR) or who.may_act_for(unit_id):
        return
    raise Forbidden(f"{who.user} does not act for unit {unit_id!r}")


def actor_name(who: Principal, given: str | None) -> str | None:
    """Who did it, for audit: the token's user when there is one, else what the request said."""
    return who.user if who.authenticated else given

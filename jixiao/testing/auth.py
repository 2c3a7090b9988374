"""Tokens for tests of services running with JIXIAO_AUTH on."""

from __future__ import annotations

from jixiao.auth import issue_token

SECRET = "a-test-secret-long-enough-for-hs256-tokens"


def bearer(user: str, *roles: str, units: tuple[str, ...] = (), secret: str = SECRET) -> dict[str, str]:
    """An Authorization header for `user` with these roles (and units, for a unit officer)."""
    return {"authorization": f"Bearer {issue_token(secret, user, roles, units)}"}

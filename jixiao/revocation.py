"""Revoked tokens, honoured by every service: one small kernel table in a shared `auth` schema.

Why a table and not a file or an environment list: the services run as separate processes (in
production on separate machines) that share only PostgreSQL; a revocation must reach all five
without a redeploy. `jixiao migrate` (and every service's start-up migration) creates
`auth.revoked_tokens`; `jixiao token revoke ID` inserts the token's id (`jti`); each service re-reads
the ids every `JIXIAO_REVOCATION_REFRESH_S` seconds (15 by default), so a revocation takes effect
within that time. In production the services' database role needs only SELECT on the table; the
office's role (the one `jixiao token revoke` uses) INSERT.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

SCHEMA = "auth"
_DDL = (
    f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"',
    f'CREATE TABLE IF NOT EXISTS "{SCHEMA}".revoked_tokens ('
    " jti text PRIMARY KEY CHECK (length(jti) BETWEEN 1 AND 128),"
    " revoked_at timestamptz NOT NULL DEFAULT now(),"
    " revoked_by text NOT NULL DEFAULT '',"
    " reason text NOT NULL DEFAULT '')",
)


async def create_revocation_table(conn: AsyncConnection) -> None:
    """Create the shared table if it is missing (idempotent; run by every migration)."""
    for statement in _DDL:
        await conn.execute(text(statement))


async def revoked_ids(engine: AsyncEngine) -> frozenset[str]:
    """Every revoked token id (empty while the table does not exist yet)."""
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text(f'SELECT jti FROM "{SCHEMA}".revoked_tokens'))
            return frozenset(str(r[0]) for r in rows)
    except DBAPIError as exc:
        if "revoked_tokens" in str(exc) and "does not exist" in str(exc):
            return frozenset()
        raise


async def revoke(url: str, token_id: str, *, by: str = "", reason: str = "", now: dt.datetime | None = None) -> bool:
    """Revoke a token id; False when it was already revoked."""
    engine = create_async_engine(url, hide_parameters=True)
    try:
        async with engine.begin() as conn:
            await create_revocation_table(conn)
            result = await conn.execute(
                text(
                    f'INSERT INTO "{SCHEMA}".revoked_tokens (jti, revoked_at, revoked_by, reason) '
                    "VALUES (:jti, :at, :by, :reason) ON CONFLICT (jti) DO NOTHING"
                ),
                {"jti": token_id, "at": now or dt.datetime.now(dt.UTC), "by": by, "reason": reason},
            )
            return result.rowcount == 1
    finally:
        await engine.dispose()

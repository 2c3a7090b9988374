"""One async SQLAlchemy engine per service, pinned to the service's own PostgreSQL schema."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_

from jixiao.errors import Unavailable

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_schema_name(schema: str) -> str:
    if not _SCHEMA.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return schema


def _fresh(_dbapi_connection, record) -> None:
    record.info["fresh"] = True  # just connected: nothing to check on its first checkout


def _ping_on_checkout(dbapi_connection, record, _proxy) -> None:
    """A pooled connection is checked before use (a restarted or killed server leaves dead ones in
    the pool), as pool_pre_ping does — but in one round trip: SQLAlchemy's asyncpg ping wraps its
    `;` in BEGIN … ROLLBACK (for pgbouncer's transaction mode, which the platform does not use),
    three round trips on every checkout of every request, relay poll and consumer batch. A failed
    ping makes the pool drop the connection and take another (DisconnectionError)."""
    if record.info.pop("fresh", False):
        return
    try:
        await_(dbapi_connection.driver_connection.fetchrow(";"))
    except Exception as exc:  # whatever broke, this connection is unusable: the pool replaces it
        raise DisconnectionError(f"a pooled connection failed its ping: {type(exc).__name__}") from exc


class Database:
    """The engine and session factory of one service; every connection's search_path is its schema."""

    def __init__(self, url: str, schema: str, *, pool_size: int = 5) -> None:
        self.url = url
        self.schema = check_schema_name(schema)
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=False,  # _ping_on_checkout instead: one round trip, not three
            hide_parameters=True,  # bound parameters hold personal data: never in logs or errors
            connect_args={"server_settings": {"search_path": schema}},
        )
        event.listen(self.engine.sync_engine.pool, "connect", _fresh)
        event.listen(self.engine.sync_engine.pool, "checkout", _ping_on_checkout)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # the same pool, without a transaction around each statement (reads of one statement)
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection outside any transaction, for a read that is one statement: no BEGIN and
        ROLLBACK round trips around it (a third of a small GET's round trips). Statements that
        must see one state together belong in `transaction()`."""
        async with self._autocommit.connect() as conn:
            yield conn

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except (OSError, OperationalError, DBAPIError):
            return False

    async def require(self) -> None:
        if not await self.ping():
            raise Unavailable("the database cannot be reached")

    async def dispose(self) -> None:
        await self.engine.dispose()

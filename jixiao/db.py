"""One async SQLAlchemy engine per service, pinned to the service's own PostgreSQL schema."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from jixiao.errors import Unavailable

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_schema_name(schema: str) -> str:
    if not _SCHEMA.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return schema


class Database:
    """The engine and session factory of one service; every connection's search_path is its schema."""

    def __init__(self, url: str, schema: str, *, pool_size: int = 5) -> None:
        self.url = url
        self.schema = check_schema_name(schema)
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            hide_parameters=True,  # bound parameters hold personal data: never in logs or errors
            connect_args={"server_settings": {"search_path": schema}},
        )
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

"""Database.reading(): one-statement reads without BEGIN/ROLLBACK round trips, on the service's schema."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from jixiao.db import Database

pytestmark = pytest.mark.integration


async def _in_transaction(conn) -> bool:
    raw = await conn.get_raw_connection()
    return raw.driver_connection.is_in_transaction()


async def test_reading_runs_its_statement_outside_a_transaction_and_returns_the_connection_clean(database_url):
    db = Database(database_url, "scoring", pool_size=1)
    try:
        async with db.reading() as conn:
            schema = (await conn.execute(sa.text("SHOW search_path"))).scalar()
            assert (schema, await _in_transaction(conn)) == ("scoring", False)
        async with db.engine.connect() as conn:  # the pooled connection is back to the usual mode
            await conn.execute(sa.text("SELECT 1"))
            assert await _in_transaction(conn)
        async with db.transaction() as session:
            await session.execute(sa.text("SELECT 1"))
            assert await _in_transaction(await session.connection())
    finally:
        await db.dispose()

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


async def test_a_checkout_pings_in_one_round_trip(database_url):
    db = Database(database_url, "scoring", pool_size=1)
    sent: list[str] = []
    sa.event.listen(
        db.engine.sync_engine,
        "connect",
        lambda dbapi_connection, _record: dbapi_connection.driver_connection.add_query_logger(
            lambda record: sent.append(record.query)
        ),
    )
    try:
        # asyncpg logs the simple queries (the ping, BEGIN/ROLLBACK), not the prepared statements
        seen = []
        for _ in range(3):  # a new connection (nothing to check), then the pooled one twice
            sent.clear()
            async with db.reading() as conn:
                await conn.execute(sa.text("SELECT 1"))
            seen.append(list(sent))
        assert seen == [[], [";"], [";"]]
    finally:
        await db.dispose()


async def test_a_pooled_connection_the_server_killed_is_replaced_at_checkout(database_url):
    db = Database(database_url, "scoring", pool_size=1)
    other = Database(database_url, "scoring", pool_size=1)
    try:
        async with db.reading() as conn:
            pid = (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar()
        async with other.reading() as conn:
            assert (await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar()
        async with db.reading() as conn:
            assert (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar() != pid
    finally:
        await db.dispose()
        await other.dispose()

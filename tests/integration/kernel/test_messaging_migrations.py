"""Every service's migrations give it the kernel's messaging tables, on a new database and on an old one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from jixiao.migrations import alembic_config, migrate
from jixiao.registry import SERVICES

pytestmark = pytest.mark.integration
# the revision each service had before its `*_outbox_dead_letters` migration
BEFORE_DEAD_LETTERS = {
    "indicators": "0003",
    "surveys": "0003",
    "inspections": "0003",
    "scoring": "0002",
    "reports": "0003",
}
KERNEL_TABLES = {"outbox", "inbox", "dead_letters", "outbox_pruned", "outbox_dead_letters", "inbox_pruned"}


async def _tables(url: str, schema: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names(schema=schema)))
    finally:
        await engine.dispose()


async def _step_back_and_up(url: str, service: str) -> set[str]:
    """Downgrade to before the dead-letters migration (a database migrated before it existed), then upgrade."""
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": service}})
    cfg = alembic_config(service, service)
    try:
        async with engine.begin() as conn:

            def down_and_up(sync_conn) -> set[str]:
                cfg.attributes["connection"] = sync_conn
                command.downgrade(cfg, BEFORE_DEAD_LETTERS[service])
                before = set(sa.inspect(sync_conn).get_table_names(schema=service))
                command.upgrade(cfg, "head")
                return before

            return await conn.run_sync(down_and_up)
    finally:
        await engine.dispose()


async def test_new_and_old_databases_get_the_messaging_tables(database_url):
    for service in SERVICES:
        await migrate(database_url, service)
        assert KERNEL_TABLES <= await _tables(database_url, service), service
        before = await _step_back_and_up(database_url, service)
        assert not {"outbox_dead_letters", "inbox_pruned"} & before, service
        assert KERNEL_TABLES <= await _tables(database_url, service), service

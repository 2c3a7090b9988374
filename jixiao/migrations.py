"""Alembic per service: `services/<svc>/migrations`, run on start-up locally or by `jixiao migrate`."""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from jixiao.db import check_schema_name
from jixiao.revocation import create_revocation_table

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service: str, schema: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.attributes["schema"] = schema
    return cfg


async def migrate(url: str, service: str, schema: str | None = None) -> None:
    """Create the schema if needed and upgrade it to head, one process at a time."""
    schema = check_schema_name(schema or service)
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        async with engine.begin() as conn:
            # Several processes of one service may start together: serialize their migrations.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(schema.encode())})
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(b"auth")})
            await create_revocation_table(conn)  # the shared revoked-token list (jixiao.revocation)
            cfg = alembic_config(service, schema)

            def upgrade(sync_conn) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, "head")

            await conn.run_sync(upgrade)
    finally:
        await engine.dispose()


def run_env() -> None:
    """The body of every service's migrations/env.py (online mode on the given connection)."""
    cfg = context.config
    connection = cfg.attributes["connection"]
    context.configure(
        connection=connection, version_table_schema=cfg.attributes["schema"], transaction_per_migration=False
    )
    with context.begin_transaction():
        context.run_migrations()

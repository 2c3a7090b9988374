"""`jixiao audit verify`: check every service's tamper-evident audit chain (jixiao.audit)."""

from __future__ import annotations

import asyncio

import typer

from jixiao_cli.app import handles_errors

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
@handles_errors
def verify() -> None:
    """Check every service's audit chain in JIXIAO_DATABASE_URL; exit 1 naming the service and the
    first row that was edited, deleted or inserted out of order."""
    from jixiao.settings import DatabaseSettings

    broken = asyncio.run(verify_all(DatabaseSettings().database_url))
    if broken:
        raise typer.Exit(1)


async def verify_all(url: str) -> list[str]:
    """Verify each service's chain, print one line per service; the services whose chain is broken."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from jixiao.audit import verify_schema
    from jixiao.registry import SERVICES

    engine = create_async_engine(url, hide_parameters=True)
    broken: list[str] = []
    try:
        async with engine.connect() as conn:
            for service in SERVICES:
                got = await verify_schema(conn, service)
                if got is None:
                    typer.echo(f"{service}: no audit chain")
                    continue
                rows, bad = got
                if bad is None:
                    typer.echo(f"{service}: ok ({rows} rows)")
                else:
                    typer.echo(f"error: {service}: audit chain broken at {bad}", err=True)
                    broken.append(service)
    finally:
        await engine.dispose()
    return broken

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
    """Check every service's audit chain in JIXIAO_DATABASE_URL, and recompute every graded
    snapshot's hash; exit 1 naming the service and the first row that was edited, deleted or
    inserted out of order, or the plan/period/version whose content no longer matches its hash."""
    from jixiao.settings import DatabaseSettings

    broken = asyncio.run(verify_all(DatabaseSettings().database_url))
    if broken:
        raise typer.Exit(1)


async def verify_all(url: str) -> list[str]:
    """Verify each service's chain and graded snapshots, print one line per service; the services
    whose chain or snapshots are broken."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from jixiao.audit import verify_schema, verify_snapshots
    from jixiao.registry import SERVICES

    engine = create_async_engine(url, hide_parameters=True)
    broken: list[str] = []
    try:
        async with engine.connect() as conn:
            for service in SERVICES:
                got = await verify_schema(conn, service)
                if got is None:
                    typer.echo(f"{service}: no audit chain")
                elif got[1] is None:
                    typer.echo(f"{service}: ok ({got[0]} rows)")
                else:
                    typer.echo(f"error: {service}: audit chain broken at {got[1]}", err=True)
                    broken.append(service)
                snapshots = await verify_snapshots(conn, service)
                if snapshots is None:
                    continue
                count, problems = snapshots
                for problem in problems:
                    typer.echo(f"error: {service}: {problem}", err=True)
                if problems and service not in broken:
                    broken.append(service)
                if not problems:
                    typer.echo(f"{service}: graded snapshots ok ({count})")
    finally:
        await engine.dispose()
    return broken

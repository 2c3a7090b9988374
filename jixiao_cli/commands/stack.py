"""The local stack commands: up, demo, migrate."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from jixiao.registry import SERVICES
from jixiao.samples import DEFAULT_EXAMPLE, EXAMPLES
from jixiao_cli.app import DEFAULT_DATA_DIR, DataDir, fail, handles_errors


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("demo")(demo)
    app.command("migrate")(migrate)


def up(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Start PostgreSQL, the broker and the five services; write stack.json; run until Ctrl-C."""
    from jixiao.localstack.stack import StackError
    from jixiao.localstack.stack import up as run_up

    try:
        asyncio.run(run_up(data_dir))
    except StackError as exc:
        fail(str(exc), 1)


def resolve_plan(name: str) -> Path:
    """The bundle of a shipped example by its short name; exit 2 with one line naming the known ones."""
    if name not in EXAMPLES:
        fail(f"unknown --plan {name!r}; known: {', '.join(EXAMPLES)}")
    return EXAMPLES[name]


@handles_errors
def demo(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    plan: Annotated[str, typer.Option(help=f"A shipped example year: {', '.join(EXAMPLES)}.")] = DEFAULT_EXAMPLE,
    bundle: Annotated[Path | None, typer.Option(help="Load this bundle instead of a shipped example.")] = None,
    period: Annotated[
        str | None,
        typer.Option(help="Close only this period (default: every graded period of the plan, the year last)."),
    ] = None,
    serve: Annotated[bool, typer.Option(help="Keep serving until Ctrl-C after printing the ranking.")] = True,
) -> None:
    """Start the stack, import an example year, close its graded periods, print the rankings, keep serving."""
    from jixiao.localstack.stack import StackError
    from jixiao_cli.demo import run_demo

    path = bundle if bundle is not None else resolve_plan(plan)
    try:
        asyncio.run(run_demo(data_dir, path, period, serve))
    except StackError as exc:
        fail(str(exc), 1)


@handles_errors
def migrate(
    service: Annotated[str | None, typer.Option(help=f"One of {', '.join(SERVICES)} (default: all).")] = None,
) -> None:
    """Upgrade the services' schemas at JIXIAO_DATABASE_URL (production runs this instead of migrating on start)."""
    from jixiao.migrations import migrate as run_migrate
    from jixiao.settings import DatabaseSettings

    if service and service not in SERVICES:
        fail(f"--service must be one of {', '.join(SERVICES)}, not {service!r}")
    url = DatabaseSettings().database_url
    for name in [service] if service else SERVICES:
        asyncio.run(run_migrate(url, name))
        typer.echo(f"{name}: schema up to date")

"""The `jixiao` command: the Typer app, shared options and error handling; commands live in jixiao_cli/commands/."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from jixiao.errors import JixiaoError

app = typer.Typer(
    help="Jixiao (绩效): government performance management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="JIXIAO_DATA_DIR", help="Where the local stack keeps its files and stack.json."),
]
DEFAULT_DATA_DIR = Path(".jixiao")


def _url_flags(
    indicators: str | None, surveys: str | None, inspections: str | None, scoring: str | None, reports: str | None
) -> dict[str, str]:
    return {
        k: v
        for k, v in {
            "indicators": indicators,
            "surveys": surveys,
            "inspections": inspections,
            "scoring": scoring,
            "reports": reports,
        }.items()
        if v
    }


UrlOpt = functools.partial(typer.Option, help="Service base URL (instead of stack.json).")


def fail(message: str, code: int = 2) -> None:
    """One line saying what went wrong, then exit with `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def handles_errors(func):
    """Turn our exceptions into `error:` lines (one per problem) and an exit code: 2 bad input, 1 otherwise."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except JixiaoError as exc:
            if exc.problems:
                for p in exc.problems:
                    typer.echo(f"error: {p.path}: {p.message}", err=True)
            else:
                typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(2 if 400 <= exc.status < 500 else 1) from None

    return wrapper


def client(data_dir: Path, urls: dict[str, str] | None = None):
    """The running stack's services (from stack.json, or the URLs given as flags)."""
    from jixiao.localstack.stack import StackError
    from jixiao_cli.client import StackClient

    try:
        return StackClient.from_stack(data_dir, urls or {})
    except StackError as exc:
        fail(str(exc), 1)


def main() -> None:
    """Console entry point."""
    from jixiao_cli.commands import register

    register(app)

    app()


if __name__ == "__main__":
    main()

"""`jixiao token`: issue a signed bearer token for a user (roles, units) with JIXIAO_SECRET_KEY."""

from __future__ import annotations

from typing import Annotated

import typer

from jixiao.auth import ROLES, issue_token
from jixiao.settings import ServiceSettings
from jixiao_cli.app import handles_errors


def register(app: typer.Typer) -> None:
    app.command("token")(token)


@handles_errors
def token(user: Annotated[str, typer.Argument(help="Who the token is for (shown in audit trails).")],
          role: Annotated[list[str], typer.Option("--role", "-r", help=f"Repeatable; one of {', '.join(ROLES)}.")],
          unit: Annotated[list[str], typer.Option("--unit", "-u",
                                                  help="Repeatable; units a unit officer acts for ('*': all).")] = [],  # noqa: B006
          days: Annotated[float, typer.Option(min=0.01, max=400, help="Valid for this many days.")] = 30) -> None:
    """Print a bearer token; send it as `Authorization: Bearer ...` or set JIXIAO_TOKEN for the CLI.

    Services check tokens when JIXIAO_AUTH=true (the default with JIXIAO_ENV=production); they
    must share this JIXIAO_SECRET_KEY.
    """
    settings = ServiceSettings()
    typer.echo(issue_token(settings.secret_key, user, role, unit, days=days))

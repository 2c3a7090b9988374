"""`jixiao token`: issue a signed bearer token for a user (roles, plan-qualified units) with
JIXIAO_SECRET_KEY, or revoke one by its id (`jixiao token revoke ID`)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from jixiao.auth import ROLES, issue_token, token_id_of
from jixiao.errors import InvalidInput
from jixiao.settings import ServiceSettings
from jixiao_cli.app import handles_errors

_ID_LIKE = 128


def register(app: typer.Typer) -> None:
    app.command("token")(token)


@handles_errors
def token(
    user: Annotated[
        str,
        typer.Argument(
            help="Who the token is for (shown in audit trails); or `revoke` followed by a token id (or the token)."
        ),
    ],
    token_id: Annotated[
        str | None, typer.Argument(help="With `revoke`: the token's id (jti) or the token.", show_default=False)
    ] = None,
    role: Annotated[list[str], typer.Option("--role", "-r", help=f"Repeatable; one of {', '.join(ROLES)}.")] = [],  # noqa: B006
    unit: Annotated[
        list[str],
        typer.Option(
            "--unit", "-u", help="Repeatable; PLAN:UNIT a unit officer acts for (PLAN:* for every unit of one plan)."
        ),
    ] = [],  # noqa: B006
    days: Annotated[float, typer.Option(min=0.01, max=400, help="Valid for this many days.")] = 30,
    reason: Annotated[str, typer.Option(help="With `revoke`: why (kept with the revocation).")] = "",
) -> None:
    """Print a bearer token (its id on stderr); send it as `Authorization: Bearer ...` or set
    JIXIAO_TOKEN for the CLI. `jixiao token revoke ID` adds a token id to the revocation list that
    every service honours (table auth.revoked_tokens in JIXIAO_DATABASE_URL; within
    JIXIAO_REVOCATION_REFRESH_S seconds).

    Services check tokens when JIXIAO_AUTH=true (the default with JIXIAO_ENV=production); they
    must share this JIXIAO_SECRET_KEY.
    """
    if user == "revoke" and token_id:
        _revoke(token_id, reason)
        return
    if token_id is not None:
        raise InvalidInput(f"unexpected argument {token_id!r} (did you mean `jixiao token revoke ID`?)")
    if not role:
        raise InvalidInput("name at least one --role")
    settings = ServiceSettings()
    signed = issue_token(settings.secret_key, user, role, unit, days=days)
    typer.echo(f"token id: {token_id_of(signed)}", err=True)
    typer.echo(signed)


def _revoke(given: str, reason: str) -> None:
    from jixiao.revocation import revoke
    from jixiao.settings import DatabaseSettings

    token_id = token_id_of(given) if given.count(".") == 2 else given
    if not token_id or len(token_id) > _ID_LIKE or not token_id.isprintable():
        raise InvalidInput("give the token's id (printed when it was issued) or the token itself")
    new = asyncio.run(revoke(DatabaseSettings().database_url, token_id, by="jixiao token revoke", reason=reason))
    typer.echo(f"revoked {token_id}" if new else f"{token_id} was already revoked")

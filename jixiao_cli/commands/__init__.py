"""The `jixiao` subcommands, one module per area; `register` mounts them on the Typer app."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from jixiao_cli.commands import audit, auth, data, events, stack
    from services.scoring.entrypoints.offline import score
    from services.surveys.entrypoints.cli import app as survey_app

    stack.register(app)
    data.register(app)
    auth.register(app)
    events.register(app)
    audit.register(app)
    app.command("score")(score)
    app.add_typer(survey_app, name="survey", help="Public evaluation tools (sampling).")

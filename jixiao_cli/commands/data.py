"""Commands against a running stack: import, close-period, results, rescore."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from jixiao_cli.app import DEFAULT_DATA_DIR, DataDir, UrlOpt, client, fail, handles_errors


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("close-period")(close_period)
    app.command("results")(results)
    app.command("rescore")(rescore)


@handles_errors
def import_(
    bundle: Annotated[Path, typer.Argument(help="A jixiao.bundle/v1 file.")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
    indicators: Annotated[str | None, UrlOpt("--indicators-url")] = None,
    surveys: Annotated[str | None, UrlOpt("--surveys-url")] = None,
    inspections: Annotated[str | None, UrlOpt("--inspections-url")] = None,
    chunk_bytes: Annotated[
        int,
        typer.Option(
            "--chunk-bytes",
            min=64 << 10,
            help="Largest request body: a larger part is sent in chunks (keep it under the services' "
            "JIXIAO_HTTP_MAX_IMPORT_BYTES, 32 MiB by default).",
        ),
    ] = 8 << 20,
) -> None:
    """Load a whole bundle into the running services, all or nothing: checked by the rules and then by
    every service (a dry run of every chunk) before any service writes; idempotent."""
    from jixiao_cli.importer import import_bundle, read_bundle

    data = read_bundle(bundle)
    urls = {k: v for k, v in {"indicators": indicators, "surveys": surveys, "inspections": inspections}.items() if v}
    counts = import_bundle(
        client(data_dir, urls),
        data,
        progress=lambda s: typer.echo(
            "checking with every service …" if s == "check" else f"importing into {s} …", err=True
        ),
        chunk_bytes=chunk_bytes,
    )
    for service, c in counts.items():
        typer.echo(f"{service}: " + ", ".join(f"{k} {v}" for k, v in c.items()))


@handles_errors
def close_period(
    plan: Annotated[str, typer.Argument(help="Plan id, e.g. bailian-2026.")],
    period: Annotated[str, typer.Argument(help="Y, H1 or Q1–Q4.")],
    actor: Annotated[str, typer.Option(help="Who closes (recorded with the snapshot).")] = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    scoring: Annotated[str | None, UrlOpt("--scoring-url")] = None,
) -> None:
    """Reconcile with the sources, grade and rank every unit, store a new immutable graded snapshot."""
    from jixiao_cli.commands.scoring_client import close

    out = close(client(data_dir, {"scoring": scoring} if scoring else None), plan, period, actor)
    typer.echo(
        f"{plan} {period}: snapshot version {out.get('snapshot_version')} — {out.get('units')} units graded, "
        f"{len(out.get('diff') or [])} changed since the previous version"
    )


@handles_errors
def results(
    plan: Annotated[str, typer.Argument(help="Plan id.")],
    period: Annotated[str, typer.Argument(help="Y, H1 or Q1–Q4.")],
    format: Annotated[str, typer.Option("--format", "-f", help="json | table | xlsx")] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File for xlsx (default PLAN-PERIOD.xlsx).")
    ] = None,
    version: Annotated[int, typer.Option(help="A graded snapshot version (0 = the latest).")] = 0,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="First wait until scoring holds every current fact of the sources at its latest version (over Kafka or from a resync).",
        ),
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --wait may take.")] = 120.0,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Print the latest graded results of a period as jixiao.results/v1 (or a table, or write .xlsx)."""
    from jixiao.rules import exactjson
    from jixiao_cli.commands.scoring_client import fetch_results, wait_until_consistent, write_xlsx
    from jixiao_cli.commands.tables import plan_titles
    from jixiao_cli.commands.tables import render_results as render_table

    if format not in ("json", "table", "xlsx"):
        fail(f"--format must be json, table or xlsx, not {format!r}")
    stack = client(data_dir)
    if wait:
        wait_until_consistent(stack, plan, timeout)
    doc = fetch_results(stack, plan, period, version)
    if format == "json":
        typer.echo(exactjson.dumps(doc))
    elif format == "table":
        body = _plan_body(stack, plan)
        plan_name, groups = plan_titles(body)
        render_table(doc, sys.stdout, labels=_grade_labels(body), plan_name=plan_name, groups=groups)
    else:
        path = output or Path(f"{plan}-{period}.xlsx")
        write_xlsx(doc, path)
        typer.echo(f"wrote {path}")


def _plan_body(stack, plan: str) -> dict:
    """The plan as indicators holds it (names, groups, grade labels), {} if it does not answer."""
    from jixiao.errors import JixiaoError

    try:
        body = stack.request("indicators", "GET", f"/v1/plans/{plan}").json()["plan"]
    except (JixiaoError, KeyError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _grade_labels(body: dict) -> dict[str, str]:
    """The plan's own grade labels (a bureau's 优秀, not the township's 优)."""
    return {b["grade"]: b["label"] for b in body.get("grade_bands", []) if isinstance(b, dict) and "label" in b}


_STAGES = {"reconcile": "facts from the sources' snapshots", "score": "scoring every unit", "grade": "grading"}


@handles_errors
def rescore(
    plan: Annotated[str, typer.Argument(help="Plan id.")],
    period: Annotated[str, typer.Argument(help="Y, H1 or Q1–Q4.")] = "Y",
    actor: Annotated[str, typer.Option(help="Who runs the re-score.")] = "cli",
    objection: Annotated[
        list[str] | None,
        typer.Option(
            "--objection",
            help="An objection (异议) id this re-score follows (repeatable); the next close records it with "
            "its new snapshot version and the notice links the two.",
        ),
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Year-end batch re-score: stream every fact from the sources, recompute every unit, print the diff.

    Progress (facts read from the sources, units scored) shows as it happens."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from jixiao_cli.commands.scoring_client import rescore as run_rescore

    console = Console(stderr=True)
    start = time.monotonic()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, Any] = {}

        def step(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        out = run_rescore(client(data_dir), plan, period, actor, step, objection or ())
    diff = out.get("diff") or []
    table = Table(
        title=f"{plan} {period}: {out.get('units')} units re-scored in {time.monotonic() - start:.1f} s, "
        f"{len(diff)} changed"
    )
    for col in ("unit", "total", "grade", "why"):
        table.add_column(col)
    for d in diff:
        table.add_row(
            d["unit"],
            f"{d.get('old_total')} → {d.get('new_total')}",
            f"{d.get('old_grade')} → {d.get('new_grade')}",
            d.get("why", ""),
        )
    Console().print(table)
    if out.get("objections"):
        typer.echo(
            f"objections {', '.join(out['objections'])}: recorded with the next snapshot version "
            f"(jixiao close-period {plan} {period})"
        )

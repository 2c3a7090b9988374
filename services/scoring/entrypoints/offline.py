"""The offline `jixiao score BUNDLE` command: score a bundle file without any running service.

Register it on the platform CLI with `cli.command("score")(score)`, or run
`python -m services.scoring.entrypoints.offline BUNDLE [--period Y] [--format json|table] [--previous LAST_YEAR]`.
A plan with progress leaves (`plan.previous_plan`) compares with the bundle given as `--previous`
(last year's bundle: only its plan, units, targets and confirmed results are used).
Exit status: 0 scored, 2 refused (one `error: <json path>: <message>` line per problem on stderr).
"""

from __future__ import annotations

import dataclasses
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.table import Table

from jixiao.rules.bundle import Bundle, load_bundle
from jixiao.rules.decimals import round2
from jixiao.rules.errors import ScoringError, ValidationError
from jixiao.rules.exactjson import dumps
from jixiao.rules.periods import PERIODS
from services.scoring.domain.grading import score_bundle
from services.scoring.domain.model import UnitScore
from services.scoring.domain.progress import with_previous
from services.scoring.domain.results import results_to_dict

FORMATS = ("json", "table")
EXIT_OK, EXIT_REFUSED = 0, 2


def score_command(
    bundle_path: Path,
    period: str = "Y",
    fmt: str = "json",
    out: TextIO | None = None,
    err: TextIO | None = None,
    previous_path: Path | None = None,
) -> int:
    """Score the bundle at `bundle_path` for `period` and print it as `fmt`; return the exit status.

    `previous_path`: last year's bundle, which the plan's progress leaves compare with."""
    out = out or sys.stdout
    err = err or sys.stderr
    if period not in PERIODS:
        print(f"error: --period: unknown period {period!r} (expected one of {', '.join(PERIODS)})", file=err)
        return EXIT_REFUSED
    if fmt not in FORMATS:
        print(f"error: --format: unknown format {fmt!r} (expected json or table)", file=err)
        return EXIT_REFUSED
    texts = []
    for path in (bundle_path, previous_path):
        try:
            texts.append(Path(path).read_bytes() if path is not None else None)
        except OSError as exc:
            print(f"error: {path}: cannot read the bundle: {exc.strerror or exc}", file=err)
            return EXIT_REFUSED
    where = ""
    try:
        with gc_paused():
            bundle = load_bundle(texts[0])
            if texts[1] is not None:
                where = "--previous: "
                last_year = load_bundle(texts[1])
                facts = with_previous(bundle.plan, bundle.facts, last_year.plan, last_year.facts)
                bundle = dataclasses.replace(bundle, facts=facts)
                where = ""
            scores = score_bundle(bundle, period)
    except ValidationError as exc:
        for problem in exc.problems:
            print(f"error: {where}{problem.path}: {problem.message}", file=err)
        return EXIT_REFUSED
    except ScoringError as exc:  # facts the validation let through but the rules refuse
        print(f"error: {where or '$: '}{exc}", file=err)
        return EXIT_REFUSED
    if texts[1] is None and bundle.plan.progress_refs():
        print(
            f"warning: $.plan.previous_plan: no --previous bundle of {bundle.plan.previous_plan!r}:"
            " every progress leaf counts as missing",
            file=err,
        )
    for problem in [*bundle.warnings, *(n for s in scores for n in s.explanation.notices)]:
        print(f"warning: {problem.path}: {problem.message}", file=err)
    if fmt == "json":
        out.write(dumps(results_to_dict(bundle.plan, period, scores), indent=1) + "\n")
    else:
        _print_table(bundle, period, scores, out)
    return EXIT_OK


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bundle is read and scored.

    The hundreds of thousands of small objects of a county bundle form no cycles, yet each one
    would make the collector rescan the growing heap: pausing it saves ~40% of the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _print_table(bundle: Bundle, period: str, scores: list[UnitScore], out: TextIO) -> None:
    plan = bundle.plan
    names = {unit.id: unit.name for unit in bundle.units}
    console = Console(file=out, width=160, highlight=False, emoji=False)
    groups: dict[str, list[UnitScore]] = {}
    for score in scores:
        groups.setdefault(score.group, []).append(score)
    for group in sorted(groups):
        rows = sorted(groups[group], key=lambda s: (s.rank is None, s.rank or 0, s.unit))
        table = Table(title=f"{plan.name} · {period} · {plan.group_name(group)}", title_justify="left")
        for header in ("rank", "unit", "name", "group"):
            table.add_column(header, no_wrap=True)
        for comp in plan.components:
            table.add_column(comp.key, justify="right", no_wrap=True)
        for header, justify in (
            ("total", "right"),
            ("grade", "left"),
            ("veto", "center"),
            ("award", "center"),
            ("status", "left"),
        ):
            table.add_column(header, justify=justify, no_wrap=True)
        for s in rows:
            table.add_row(
                str(s.rank) if s.rank is not None else "–",
                s.unit,
                names.get(s.unit, ""),
                s.group,
                *(_number(s.components.get(c.key)) for c in plan.components),
                _number(s.total),
                f"{plan.label(s.grade)} {s.grade}" if s.grade else "–",
                "否决" if s.vetoed else "",
                "✓" if s.award_eligible else "",
                s.status,
            )
        console.print(table)


def _number(value: Decimal | None) -> str:
    return "–" if value is None else format(round2(value), "f")


def score(
    bundle: Annotated[Path, typer.Argument(help="a jixiao.bundle/v1 JSON file")],
    period: Annotated[str, typer.Option("--period", help="Y, H1, Q1, Q2, Q3 or Q4")] = "Y",
    fmt: Annotated[str, typer.Option("--format", help="json (jixiao.results/v1) or table")] = "json",
    previous: Annotated[
        Path | None,
        typer.Option("--previous", help="last year's bundle (the plan's previous_plan), for progress leaves"),
    ] = None,
) -> None:
    """Score a bundle offline and print its results."""
    raise typer.Exit(score_command(bundle, period, fmt, previous_path=previous))


app = typer.Typer(add_completion=False, help="Score a jixiao.bundle/v1 file offline.")
app.command("score")(score)

if __name__ == "__main__":
    typer.run(score)

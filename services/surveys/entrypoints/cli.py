"""`jixiao survey sample`: draw a stratified quota sample offline with the service's own code.

Mount with `root.add_typer(services.surveys.entrypoints.cli.app, name="survey")`.
Exit status: 0 on success, 2 on bad input (one `error: ...` line per problem on stderr).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, TextIO

import typer

from services.surveys.adapters.frames_io import load_frame
from services.surveys.domain.errors import FrameFileError, FrameInvalid, SamplingError
from services.surveys.domain.model import RESPONDENT_GROUPS
from services.surveys.domain.sampling import Allocation, draw_sample

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def parse_sds(items: Iterable[str]) -> tuple[dict[str, Decimal], list[str]]:
    """Parse `stratum=value` arguments into decimals; return (values, problems)."""
    values: dict[str, Decimal] = {}
    problems: list[str] = []
    for item in items:
        stratum, sep, raw = item.partition("=")
        stratum, raw = stratum.strip(), raw.strip()
        if not sep or not stratum or not raw:
            problems.append(f"--sd {item}: expected stratum=value")
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            problems.append(f"--sd {item}: {raw!r} is not a decimal number")
            continue
        if not value.is_finite() or value < 0:
            problems.append(f"--sd {item}: must be a finite number ≥ 0")
        elif stratum in values:
            problems.append(f"--sd {item}: {stratum} is given more than once")
        else:
            values[stratum] = value
    return values, problems


def parse_quotas(items: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    """`stratum=n` items of `--quota` as {stratum: n}, with the problems of bad ones."""
    quotas: dict[str, int] = {}
    problems: list[str] = []
    for item in items:
        stratum, sep, raw = item.partition("=")
        stratum = stratum.strip()
        if not sep or not stratum:
            problems.append(f"--quota {item}: expected stratum=n")
        elif not raw.strip().isdigit():
            problems.append(f"--quota {item}: {raw!r} is not a whole number ≥ 0")
        elif stratum in quotas:
            problems.append(f"--quota {item}: {stratum} is given more than once")
        else:
            quotas[stratum] = int(raw)
    return quotas, problems


def sample_command(
    frame_path: str | Path,
    size: int | None,
    seed: int,
    allocation: Allocation | str = Allocation.PROPORTIONAL,
    sds: Mapping[str, Decimal | int | str] | Iterable[str] | None = None,
    out: TextIO | None = None,
    *,
    err: TextIO | None = None,
    strata: Iterable[str] | None = None,
    quotas: Iterable[str] | None = None,
) -> int:
    """Validate the frame, draw the sample, write `respondent_id,stratum` CSV to `out`."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    name = str(frame_path)
    problems: list[str] = []

    fixed = str(allocation) == Allocation.FIXED.value
    quota_values, quota_problems = parse_quotas(quotas or ())
    problems.extend(quota_problems)
    if fixed and not quota_values and not quota_problems:
        problems.append("--allocation fixed: give --quota stratum=n for the strata to sample")
    if quota_values and not fixed:
        problems.append("--quota: quotas are only used with --allocation fixed")
    if (size is not None or not fixed) and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        problems.append(f"--size: must be a whole number ≥ 1, got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        problems.append(f"--seed: must be a whole number, got {seed!r}")
    try:
        method = Allocation(allocation)
    except ValueError:
        method = None
        problems.append(f"--allocation: {allocation!r} is not one of proportional, neyman, fixed")
    allowed = tuple(strata) if strata else RESPONDENT_GROUPS
    sd_values: dict[str, Decimal] | dict[str, object] = {}
    if isinstance(sds, Mapping):
        sd_values = dict(sds)
    elif sds:
        sd_values, sd_problems = parse_sds(sds)
        problems.extend(sd_problems)
    for h in sd_values:
        if h not in allowed:
            problems.append(f"--sd {h}: unknown stratum (expected one of {', '.join(allowed)})")
    if sd_values and method is Allocation.PROPORTIONAL:
        problems.append("--sd: standard deviations are only used with --allocation neyman")
    if method is Allocation.NEYMAN and not sd_values and not problems:
        problems.append("--allocation neyman: give --sd stratum=value for every stratum")

    frame = None
    try:
        data = Path(frame_path).read_bytes()
    except OSError as exc:
        problems.append(f"{name}: cannot read the file: {exc.strerror or exc}")
    else:
        try:
            frame = load_frame(data, name, allowed)
        except FrameFileError as exc:
            problems.append(f"{name}: {exc}")
        except FrameInvalid as exc:
            problems.extend(f"{name}:row {p.row}: {p.column}: {p.message}" for p in exc.problems)

    if problems or frame is None or method is None:
        for p in problems:
            print(f"error: {p}", file=err)
        return EXIT_BAD_INPUT

    try:
        sample = draw_sample(
            frame.keys(), size, seed, allocation=method, sds=sd_values or None, quotas=quota_values or None
        )
    except SamplingError as exc:
        for p in exc.problems:
            print(f"error: {name}: {p}", file=err)
        return EXIT_BAD_INPUT

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("respondent_id", "stratum"))
    writer.writerows((k.respondent_id, k.stratum) for k in sample.respondents())
    return EXIT_OK


_FRAME_HELP = "Respondent frame, .csv or .xlsx: respondent_id,stratum,name,phone,address[,area]."

app = typer.Typer(
    name="survey",
    help="Public evaluation (公众评议) tools.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def survey() -> None:
    """Public evaluation (公众评议): stratified quota random sampling."""


@app.command("sample")
def sample(
    frame: Annotated[Path, typer.Argument(help=_FRAME_HELP)],
    size: Annotated[
        int | None, typer.Option("--size", help="Total sample size, e.g. 600 (fixed: the quotas' sum).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed; store it to re-draw the sample.")] = ...,
    allocation: Annotated[
        Allocation, typer.Option("--allocation", help="proportional, neyman or fixed (with --quota).")
    ] = Allocation.PROPORTIONAL,
    sd: Annotated[
        list[str] | None,
        typer.Option("--sd", help="stratum=value, a stratum's standard deviation (neyman)."),
    ] = None,
    stratum: Annotated[
        list[str] | None,
        typer.Option("--stratum", help="Allowed stratum (repeat); default: the four groups."),
    ] = None,
    quota: Annotated[
        list[str] | None,
        typer.Option("--quota", help="stratum=n, a stratum's fixed sample size (repeat; --allocation fixed)."),
    ] = None,
) -> None:
    """Draw a stratified quota random sample (balanced across areas when the frame has an `area`
    column); print it as CSV `respondent_id,stratum`."""
    code = sample_command(frame, size, seed, allocation, sd or None, strata=stratum or None, quotas=quota or None)
    raise typer.Exit(code)

"""Year-end `jixiao rescore` of the county through the services, and how it grows with the county.

    .venv/bin/python bench/bench_rescore.py [--scales 0.05,0.1,0.2]

On one local stack, for each size (1 = a county of ~1,500 units; larger sizes add townships on the
same plan, each size its own plan id): the whole bundle goes to the services' bulk imports (as
`jixiao import` sends it), scoring catches up, and the re-score runs (`POST …/periods/Y/rescore`:
every fact streamed from the sources over gRPC, every unit recomputed). Reported per size: the
import and re-score wall times and, sampled every 0.2 s while each ran, the peak RSS of every
service. The baseline of each size is the offline `jixiao score` of the same bundle file.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_offline_score import run_cli
from bench.common import Result, client, local_stack, quiet, rss_mb, service_pids, temp_dir
from bench.county import county, records, write_bundle
from bench.stackrun import consistent, import_parts
from jixiao_cli.commands.scoring_client import rescore


class PeakSampler:
    """Samples the RSS of every service every `interval` s in a thread; `peaks` in MB."""

    def __init__(self, stack: dict, interval: float = 0.2) -> None:
        self.pids = {k: v for k, v in service_pids(stack).items() if k != "broker"}
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                try:
                    self.peaks[name] = max(self.peaks.get(name, 0.0), rss_mb(pid))
                except Exception:
                    pass
            self._stop.wait(interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def text(self) -> str:
        return ", ".join(f"{k} {v:.0f}" for k, v in sorted(self.peaks.items()))


def database_mb(url: str) -> float:
    """The size of the stack's whole database (every service's schema), MB."""
    import asyncpg

    async def size() -> int:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
        finally:
            await conn.close()

    return asyncio.run(size()) / 1e6


def run(stack: dict, scales: list[float], result: Result, tmp: Path) -> None:
    cl = client(stack)
    size_before = database_mb(stack["database_url"])
    for scale in scales:
        doc = county(scale)
        plan = f"county-x{scale:g}".replace(".", "_")
        doc["plan"]["id"] = plan
        n, units = records(doc), len(doc["units"])
        path = write_bundle(doc, tmp / f"{plan}.json")
        offline, _ = run_cli(path)
        with PeakSampler(stack) as imported:
            t0 = time.perf_counter()
            took = import_parts(cl, doc)
            consistent(cl, plan)
            import_s = time.perf_counter() - t0
        del doc
        size_after = database_mb(stack["database_url"])
        db_mb, size_before = size_after - size_before, size_after
        with PeakSampler(stack) as rescored:
            t0 = time.perf_counter()
            report = rescore(cl, plan, "Y", "bench")
            rescore_s = time.perf_counter() - t0
        result.row(
            f"{scale:g}× ({units:,} units, {n:,} records): import (all parts, until scoring is consistent)",
            f"{import_s:.0f} s ({n / import_s:,.0f} records/s); "
            + ", ".join(f"{k} {v:.0f} s" for k, v in took.items())
            + f"; database +{db_mb:.0f} MB; peak RSS MB: {imported.text()}",
            f"offline score {offline:.1f} s",
            f"{import_s / offline:.0f}×",
        )
        result.row(
            f"{scale:g}×: year-end re-score",
            f"{rescore_s:.1f} s ({units / rescore_s:,.0f} units/s); peak RSS MB: {rescored.text()}",
            f"offline score {offline:.1f} s",
            f"{rescore_s / offline:.1f}×",
        )
        result.data(
            f"scale_{scale:g}",
            {
                "units": units,
                "records": n,
                "import_s": import_s,
                "rescore_s": rescore_s,
                "offline_s": offline,
                "database_mb": db_mb,
                "import_peak_mb": imported.peaks,
                "rescore_peak_mb": rescored.peaks,
                "report": {k: v for k, v in report.items() if isinstance(v, int | str)},
            },
        )


async def _main(scales: list[float], result: Result) -> None:
    with temp_dir("bench-rescore") as tmp:
        async with local_stack(tmp) as stack:
            error: list[BaseException] = []

            def work() -> None:
                try:
                    run(stack, scales, result, tmp)
                except BaseException as exc:
                    error.append(exc)

            thread = threading.Thread(target=work)
            thread.start()
            while thread.is_alive():
                await asyncio.sleep(0.2)
    if error:
        raise error[0]


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.05,0.1,0.2", help="sizes in counties (1 = ~1,500 units)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    result = Result("rescore", "Year-end re-score through the services, by size", "bench_rescore.py")
    scales = [float(s) for s in args.scales.split(",") if s]
    result.note(
        "Each size is a separate plan on one stack; RSS is sampled every 0.2 s while each step runs (the processes"
        " keep what earlier sizes left, so the peaks of a later size include it)."
    )
    asyncio.run(_main(scales, result))
    result.save(args.out)
    return result


if __name__ == "__main__":
    main()

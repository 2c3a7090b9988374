"""What every benchmark script shares: where results go, the machine's load, peaks, the local stack.

Each script measures one figure and its baseline in the same run and saves them with `save()` as
bench/out/<name>.json; bench/run_all.py runs the scripts and writes BENCHMARKS.md from those files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:  # `python bench/x.py` puts bench/ first, not the project
    sys.path.insert(0, str(ROOT))


def quiet() -> None:
    """Services' structured logs at WARNING only (the benches print their own lines)."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """CPU count, memory and Python: the header of BENCHMARKS.md."""
    import psutil

    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


class Result:
    """One figure (or a few that share a set-up): rows of (what, value, baseline, ratio, goal) and notes."""

    def __init__(self, name: str, title: str, command: str) -> None:
        self.doc: dict[str, Any] = {
            "name": name,
            "title": title,
            "command": command,
            "argv": sys.argv[1:] if sys.argv and sys.argv[0].endswith(".py") else [],
            "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "load_before": loadavg(),
            "rows": [],
            "notes": [],
        }
        self._t0 = time.perf_counter()

    def row(self, what: str, value: str, baseline: str = "", ratio: str = "", goal: str = "") -> None:
        self.doc["rows"].append({"what": what, "value": value, "baseline": baseline, "ratio": ratio, "goal": goal})
        print(
            f"  {what}: {value}" + (f"  | baseline {baseline}" if baseline else "") + (f"  | {ratio}" if ratio else "")
        )

    def note(self, text: str) -> None:
        self.doc["notes"].append(text)

    def data(self, key: str, value: Any) -> None:
        self.doc.setdefault("data", {})[key] = value

    def save(self, out: Path | None = None) -> Path:
        self.doc["load_after"] = loadavg()
        self.doc["seconds"] = round(time.perf_counter() - self._t0, 1)
        target = out or OUT / f"{self.doc['name']}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.doc, indent=2, ensure_ascii=False) + "\n")
        return target


def ratio(value: float, baseline: float, goal: str = "") -> str:
    return f"{value / baseline:.2f}" if baseline else "n/a"


def rate(n: float) -> str:
    return f"{n:,.0f}/s"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if p < 100 else max(values)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set so far (VmHWM), MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def service_pids(stack: dict[str, Any]) -> dict[str, int]:
    return {name: e["pid"] for name, e in stack["services"].items() if e.get("pid") and name != "postgres"}


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"jixiao-{prefix}-") as tmp:
        yield Path(tmp)


@contextlib.asynccontextmanager
async def local_stack(tmp: Path, **options: Any) -> AsyncIterator[dict[str, Any]]:
    """The `jixiao up` stack as processes (as tests/e2e start it), PostgreSQL without fsync."""
    from jixiao.localstack.stack import running_stack
    from jixiao.testing.servers import initdb_cache

    async with running_stack(tmp / "stack", pg_fsync=False, initdb_cache=initdb_cache(), **options) as stack:
        yield stack


def client(stack: dict[str, Any]):
    from jixiao_cli.client import StackClient, addresses

    return StackClient(*addresses(stack), timeout=600)


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU seconds of a process (and, with `children`, of all its descendants now alive)."""
    import psutil

    procs = [psutil.Process(pid)]
    if children:
        procs += procs[0].children(recursive=True)
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total

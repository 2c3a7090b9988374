"""What an idle stack costs: the CPU seconds each process of the local stack burns while nothing happens.

    .venv/bin/python bench/bench_idle.py [--seconds 30] [--settle 10]

Starts the local stack (`jixiao up`, as the other stack benches do), lets it settle (migrations,
topic creation, consumer-group joins), then reads each process's CPU time (user + system, from
/proc through psutil) at the start and at the end of `--seconds` idle seconds: the five services,
the broker and PostgreSQL (the server and all its backends). Nothing is imported or asked. The
baseline is the window itself: the ratio is the share of one core a process used while idle.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Result, cpu_seconds, local_stack, quiet, temp_dir

GOAL = 0.03  # of one core, per service process (each used ~0.17 before issue #17)


def _pids(stack: dict) -> dict[str, tuple[int, bool]]:
    """name → (pid, count its children): the services, the broker, PostgreSQL with its backends."""
    out = {}
    for name, entry in stack["services"].items():
        if isinstance(entry, dict) and entry.get("pid"):
            out[name] = (int(entry["pid"]), name == "postgres")
    return out


def _sample(pids: dict[str, tuple[int, bool]]) -> dict[str, float]:
    return {name: cpu_seconds(pid, children=kids) for name, (pid, kids) in pids.items()}


async def measure(seconds: float, settle: float) -> dict[str, float]:
    """CPU seconds per process of an idle local stack over `seconds`."""
    with temp_dir("bench-idle") as tmp:
        async with local_stack(tmp) as stack:
            await asyncio.sleep(settle)
            pids = _pids(stack)
            before = _sample(pids)
            t0 = time.perf_counter()
            await asyncio.sleep(seconds)
            took = time.perf_counter() - t0
            after = _sample(pids)
    return {"window_s": took} | {name: after[name] - before[name] for name in pids}


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the idle window")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to wait after the stack is up")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    result = Result("idle", "CPU of an idle stack", "bench_idle.py")
    result.note(
        f"The local stack started and left alone for {args.settle:g} s, then each process's CPU time (user + system)"
        f" over {args.seconds:g} idle seconds; PostgreSQL counts its backends. The baseline is the window: the ratio"
        " is the share of one core used while nothing happens."
    )
    cpu = asyncio.run(measure(args.seconds, args.settle))
    window = cpu.pop("window_s")
    services = {k: v for k, v in cpu.items() if k not in ("broker", "postgres")}
    for name, used in sorted(services.items()) + [(k, cpu[k]) for k in ("postgres", "broker") if k in cpu]:
        result.row(
            f"{name}: CPU while idle",
            f"{used:.2f} s",
            f"{window:.0f} s of one core",
            f"{used / window:.3f}",
            f"≤ {GOAL}" if name in services else "",
        )
    total = sum(services.values())
    result.row("all five services together", f"{total:.2f} s", f"{window:.0f} s of one core", f"{total / window:.3f}")
    result.data("window_s", window)
    result.data("cpu_s", cpu)
    result.save(args.out)
    return result


if __name__ == "__main__":
    main()

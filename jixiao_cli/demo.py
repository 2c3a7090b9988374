"""`jixiao demo`: the whole platform on one machine, an example year loaded, closed and ranked."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from jixiao.localstack.stack import ready_line, running_stack
from jixiao.samples import previous_year
from jixiao_cli.client import StackClient, addresses
from jixiao_cli.commands.scoring_client import close, fetch_results, wait_until_consistent
from jixiao_cli.importer import import_bundle, read_bundle

# the order in which a year's graded periods end (and are closed)
CLOSING_ORDER = ("Q1", "Q2", "H1", "Q3", "Q4", "Y")


def periods_to_close(plan: dict, period: str | None) -> list[str]:
    """`period` alone when given, else every period the plan grades (`Y` always), in closing order."""
    if period is not None:
        return [period]
    graded = {"Y", *(plan.get("graded_periods") or ())}
    return [p for p in CLOSING_ORDER if p in graded]


async def run_demo(data_dir: Path, bundle: Path, period: str | None, serve: bool) -> None:
    data = read_bundle(bundle)
    plan = data["plan"]["id"]
    periods = periods_to_close(data["plan"], period)
    last_year = previous_year(bundle, data["plan"].get("previous_plan"))  # what progress leaves compare with
    async with running_stack(data_dir) as stack:
        print(ready_line(stack, Path(data_dir) / "stack.json"), flush=True)
        client = StackClient(*addresses(stack))
        for path in [p for p in (last_year, bundle) if p is not None]:
            doc = data if path == bundle else read_bundle(path)
            counts = await asyncio.to_thread(
                import_bundle,
                client,
                doc,
                lambda s, n=path.name: print(f"jixiao: importing {n} into {s} …", flush=True),
            )
            for service, c in counts.items():
                print(f"jixiao: {service}: " + ", ".join(f"{k} {v}" for k, v in c.items()), flush=True)
        print("jixiao: waiting until scoring holds every fact of the sources …", flush=True)
        if last_year is not None:
            await asyncio.to_thread(wait_until_consistent, client, data["plan"]["previous_plan"], 180.0)
        await asyncio.to_thread(wait_until_consistent, client, plan, 180.0)
        from jixiao_cli.commands.tables import plan_titles
        from jixiao_cli.commands.tables import render_results as render_table

        names = {u["id"]: u.get("name", "") for u in data.get("units", [])}
        labels = {b["grade"]: b["label"] for b in data["plan"].get("grade_bands", [])}  # 优秀, not 优
        plan_name, groups = plan_titles(data["plan"])  # 镇直单位, not agencies
        for each in periods:
            closed = await asyncio.to_thread(close, client, plan, each, "demo")
            print(
                f"jixiao: closed {plan} {each} — graded snapshot version {closed.get('snapshot_version')}", flush=True
            )
            doc = await asyncio.to_thread(fetch_results, client, plan, each)
            render_table(doc, sys.stdout, labels=labels, names=names, plan_name=plan_name, groups=groups)
        reports = stack["services"].get("reports", {}).get("url")
        if reports:
            for each in periods:
                print(f"jixiao: dashboard {reports}/dashboard/{plan}/{each}", flush=True)
        if serve:
            print("jixiao: serving — Ctrl-C to stop", flush=True)
            await _until_signal()


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

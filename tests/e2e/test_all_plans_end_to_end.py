"""Every shipped plan through the running services: imported, every graded period closed, results equal
to the offline `jixiao score` of the same bundle; and an import one service refuses changes nothing."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from pathlib import Path

import pytest

from jixiao.errors import InvalidInput
from jixiao.localstack.stack import running_stack
from jixiao.rules import exactjson
from jixiao.rules.bundle import parse_bundle
from jixiao.samples import BAILIAN_BUNDLE, previous_year
from jixiao.testing.servers import initdb_cache
from jixiao_cli.client import StackClient, addresses
from jixiao_cli.commands.scoring_client import close, fetch_results, wait_until_consistent
from jixiao_cli.importer import DEFAULT_CHUNK_BYTES, import_bundle, read_bundle
from services.scoring.domain.grading import score_bundle
from services.scoring.domain.progress import with_previous
from services.scoring.domain.results import results_to_dict

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def shipped_bundles() -> list[Path]:
    """The township's year and every example the project ships (one file per plan id)."""
    found: dict[str, Path] = {}
    for path in [
        BAILIAN_BUNDLE,
        *sorted((ROOT / "examples").glob("*.bundle.json")),
        *sorted(BAILIAN_BUNDLE.parent.glob("*.bundle.json")),
    ]:
        plan_id = exactjson.loads(path.read_bytes())["plan"]["id"]
        found.setdefault(plan_id, path)
    return list(found.values())


def offline(doc: dict, period: str, path: Path | None = None) -> dict:
    """What `jixiao score` prints for the bundle and period (with `--previous` last year's shipped
    bundle when the plan names one), read back as exact JSON."""
    bundle = parse_bundle(doc)
    last = previous_year(path, bundle.plan.previous_plan) if path is not None else None
    if last is not None:
        prev = parse_bundle(read_bundle(last))
        bundle = dataclasses.replace(bundle, facts=with_previous(bundle.plan, bundle.facts, prev.plan, prev.facts))
    return exactjson.loads(exactjson.dumps(results_to_dict(bundle.plan, period, score_bundle(bundle, period))))


def normalised(doc: dict) -> list[dict]:
    units = copy.deepcopy(doc["units"])
    for unit in units:
        unit["missing"] = sorted(unit["missing"])
    return sorted(units, key=lambda u: u["unit"])


@pytest.mark.timeout(1200)
async def test_every_shipped_plan_grades_through_the_services_as_offline(tmp_path):
    """One stack for all plans (a county runs them side by side); the township's first, then a refused
    re-import of it, then the others."""
    bundles = shipped_bundles()
    async with running_stack(tmp_path / "stack", pg_fsync=False, initdb_cache=initdb_cache()) as stack:
        client = StackClient(*addresses(stack))
        for i, path in enumerate(bundles):
            doc = read_bundle(path)
            plan = parse_bundle(doc).plan
            # the township's year goes in 64 KiB chunks (its responses alone are ~1 MB): the chunks
            # must add up to the same grades as the other plans' single requests
            chunk = (64 << 10) if i == 0 else DEFAULT_CHUNK_BYTES
            await asyncio.to_thread(import_bundle, client, doc, None, chunk)
            await asyncio.to_thread(wait_until_consistent, client, plan.id, 300)
            if i == 0:
                await refused_import_changes_nothing(client, doc)
            for period in plan.graded_periods:
                closed = await asyncio.to_thread(close, client, plan.id, period, "e2e")
                assert closed["snapshot_version"] == 1, (path.name, period, closed)
                served = await asyncio.to_thread(fetch_results, client, plan.id, period)
                assert normalised(served) == normalised(offline(doc, period, path)), (path.name, period)
        assert len(bundles) >= 5, [b.name for b in bundles]


async def refused_import_changes_nothing(client: StackClient, doc: dict) -> None:
    """An import that inspections refuses (a stored deduction moved to another unit) leaves
    indicators without the correction the same bundle carries."""
    plan_id = doc["plan"]["id"]
    one = doc["results"][0]
    query = {"unit": one["unit"], "indicator": one["indicator"], "period": one["period"]}

    def stored() -> dict:
        return client.request("indicators", "GET", f"/v1/plans/{plan_id}/results", params=query).json()

    before = await asyncio.to_thread(stored)
    assert before["total"] >= 1
    changed = copy.deepcopy(doc)
    first = changed["deductions"][0]
    first["unit"] = next(u["id"] for u in changed["units"] if u["id"] != first["unit"])
    changed["results"][0]["actual"] = one["actual"] + 1  # a correction indicators alone would take
    with pytest.raises(InvalidInput) as refused:
        await asyncio.to_thread(import_bundle, client, changed)
    assert "inspections" in str(refused.value.detail) and "nothing was written anywhere" in refused.value.detail
    assert await asyncio.to_thread(stored) == before, "indicators stored nothing of the refused bundle"

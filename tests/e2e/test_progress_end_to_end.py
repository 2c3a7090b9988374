"""Progress over last year through the running services: the water bureau's 2026 and then its 2025
(the previous year arriving late) imported with `jixiao import`, 2026 closed; `jixiao results`
equals `jixiao score shuili-2026 --previous shuili-2025`, and scoring's explanation shows both years."""

from __future__ import annotations

import asyncio
import copy
import io

import pytest

from jixiao.localstack.stack import running_stack
from jixiao.rules import exactjson
from jixiao.samples import EXAMPLES, previous_year
from jixiao.testing.servers import initdb_cache
from jixiao_cli.client import StackClient, addresses
from jixiao_cli.commands.scoring_client import close, fetch_results, wait_until_consistent
from jixiao_cli.importer import import_bundle, read_bundle
from services.scoring.entrypoints.offline import score_command

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def offline_with_previous(this_year, last_year) -> dict:
    out, err = io.StringIO(), io.StringIO()
    assert score_command(this_year, "Y", out=out, err=err, previous_path=last_year) == 0, err.getvalue()
    assert err.getvalue() == ""
    return exactjson.loads(out.getvalue())


def normalised(doc: dict) -> list[dict]:
    units = copy.deepcopy(doc["units"])
    for unit in units:
        unit["missing"] = sorted(unit["missing"])
    return sorted(units, key=lambda u: u["unit"])


@pytest.mark.timeout(900)
async def test_two_years_through_the_services_score_as_offline(tmp_path):
    this_year = EXAMPLES["shuili"]
    last_year = previous_year(this_year, "shuili-2025")
    assert last_year is not None
    expected = offline_with_previous(this_year, last_year)
    async with running_stack(tmp_path / "stack", pg_fsync=False, initdb_cache=initdb_cache()) as stack:
        client = StackClient(*addresses(stack))
        for path in (this_year, last_year):  # last year after this year: scoring re-scores 2026 when it comes
            doc = read_bundle(path)
            await asyncio.to_thread(import_bundle, client, doc)
            await asyncio.to_thread(wait_until_consistent, client, doc["plan"]["id"], 300)
        # the provisional 2026 scores already compare with 2025 (re-scored when 2025's results arrived)
        provisional = await asyncio.to_thread(fetch_results, client, "shuili-2026", "Y")
        assert not any(m.startswith("progress:") for u in provisional["units"] for m in u["missing"])

        closed = await asyncio.to_thread(close, client, "shuili-2026", "Y", "e2e")
        assert closed["snapshot_version"] == 1, closed
        served = await asyncio.to_thread(fetch_results, client, "shuili-2026", "Y")
        assert normalised(served) == normalised(expected)

        response = await asyncio.to_thread(
            client.request, "scoring", "GET", "/v1/plans/shuili-2026/periods/Y/units/s03"
        )
        explanation = exactjson.loads(response.content)["explanation"]
        line = next(
            x
            for c in explanation["components"]
            for x in c["leaves"]
            if (x["indicator"], x["part"]) == ("W03.1", "progress")
        )
        assert (line["input"]["previous_actual"], line["input"]["actual"], line["fraction"]) == (11400, 12600, 1)

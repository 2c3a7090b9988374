"""POST /v1/import: validate first, write nothing if invalid, idempotent, counts."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from jixiao.rules import exactjson

pytestmark = pytest.mark.integration


async def post(client, body):
    return await client.post("/v1/import", content=exactjson.dumps(body), headers={"content-type": "application/json"})


async def test_import_publishes_everything_once_and_is_idempotent(app, client, part, outbox_types):
    first = await post(client, part)
    assert first.status_code == 200, first.text
    counts = first.json()
    assert counts["plan"] == "created"
    assert counts["units"]["created"] == 37
    assert counts["targets"]["created"] == len(part["targets"])
    confirmed = sum(1 for r in part["results"] if r["confirmed"])
    assert counts["results"]["confirmed"] == confirmed
    types = Counter(await outbox_types())
    assert types == {
        "PlanPublished": 1,
        "UnitUpserted": 37,
        "TargetSet": len(part["targets"]),
        "IndicatorResultConfirmed": confirmed,
    }

    again = await post(client, part)
    assert again.status_code == 200
    assert again.json()["plan"] == "unchanged"
    assert again.json()["results"]["applied"] == 0
    assert Counter(await outbox_types()) == types


async def test_invalid_bundle_is_refused_with_paths_and_nothing_is_written(app, client, part, outbox_types):
    part["results"][3]["rating"] = "Z"
    part["plan"]["components"][0]["weight"] = Decimal("0.7")
    response = await post(client, part)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "$.results[3].rating" in fields
    assert "$.plan.components" in fields
    assert await outbox_types() == []
    assert (await client.get("/v1/plans/bailian-2026")).status_code == 404


async def test_a_changed_result_is_a_new_version_and_only_it_is_published(app, client, part, outbox_types):
    assert (await post(client, part)).status_code == 200
    before = len(await outbox_types())
    record = next(r for r in part["results"] if r["confirmed"] and "actual" in r and "part" not in r)
    part["results"].append({**record, "actual": record["actual"] + 1})
    response = await post(client, part)
    assert response.json()["results"]["applied"] == 1
    assert (await outbox_types())[before:] == ["IndicatorResultConfirmed"]

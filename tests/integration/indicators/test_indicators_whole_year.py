"""The issue's done-when, through the REST API and Excel alone: the township's plan (37 units,
3 + 21 indicators) is created and published, every unit fills its data-entry template, an assessor
confirms in bulk — and what is confirmed equals the example year record for record."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jixiao.rules import exactjson

pytestmark = [pytest.mark.integration, pytest.mark.slow]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _json(body) -> dict:
    return {"content": exactjson.dumps(body), "headers": {"content-type": "application/json"}}


def _cell(record: dict, field: str):
    value = record[field]
    return ("是" if value else "否") if field == "done" else value


def _key(unit, indicator, part) -> tuple:
    return (unit, indicator, part or "")


async def test_a_whole_year_through_rest_and_excel(client, part, outbox_types):
    plan_id = part["plan"]["id"]
    created = await client.post("/v1/plans", **_json({"plan": part["plan"], "indicators": part["indicators"]}))
    assert created.status_code == 201, created.text
    assert (await client.put(f"/v1/plans/{plan_id}/units", **_json({"units": part["units"]}))).status_code == 200
    assert (await client.put(f"/v1/plans/{plan_id}/targets", **_json({"targets": part["targets"]}))).status_code == 200
    etag = (await client.get(f"/v1/plans/{plan_id}")).headers["etag"]
    published = await client.post(f"/v1/plans/{plan_id}/publish", headers={"If-Match": etag})
    assert published.status_code == 200, published.text

    records = {_key(r["unit"], r["indicator"], r.get("part")): r for r in part["results"]}
    per_unit = Counter(unit for unit, _, _ in records)
    for unit in (u["id"] for u in part["units"]):
        got = await client.get(f"/v1/plans/{plan_id}/units/{unit}/template.xlsx")
        assert got.status_code == 200
        wb = load_workbook(io.BytesIO(got.content))
        for row in wb["填报"].iter_rows(min_row=2):
            record = records.get(_key(unit, row[0].value, row[1].value))
            if record is not None:
                row[8].value = _cell(record, row[6].value)
        out = io.BytesIO()
        wb.save(out)
        sent = await client.post(
            f"/v1/plans/{plan_id}/units/{unit}/template", files={"file": ("t.xlsx", out.getvalue(), XLSX)}
        )
        assert sent.status_code == 200, (unit, sent.text)
        assert sent.json() == {"submitted": per_unit[unit], "unchanged": 0}, unit

    submitted = (await client.get(f"/v1/plans/{plan_id}/results", params={"limit": 1000})).json()
    assert submitted["total"] == len(records)
    by_key = {_key(r["unit_id"], r["indicator_id"], r["part"]): r for r in submitted["items"]}
    to_confirm = [{"id": r["id"], "revision": r["revision"]} for k, r in by_key.items() if records[k]["confirmed"]]
    done = await client.post(
        f"/v1/plans/{plan_id}/results/confirm", **_json({"assessor": "考评小组", "items": to_confirm})
    )
    assert done.status_code == 200, done.text
    assert len(done.json()) == sum(r["confirmed"] for r in records.values())

    after = (await client.get(f"/v1/plans/{plan_id}/results", params={"limit": 1000})).json()["items"]
    for r in after:
        record = records[_key(r["unit_id"], r["indicator_id"], r["part"])]
        field = next(f for f in ("actual", "rating", "done", "points") if f in record)
        ((got_field, got),) = r["reported"].items()
        assert got_field == field, r
        if field in ("actual", "points"):  # "73.0" comes back from Excel as "73": equal, exactly
            assert isinstance(got, str) and Decimal(got) == Decimal(record[field]), r
        else:
            assert got == record[field], r
        assert r["status"] == ("confirmed" if record["confirmed"] else "submitted")
    types = Counter(await outbox_types())
    assert types["IndicatorResultConfirmed"] == len(to_confirm)
    assert types["PlanPublished"] == 1 and types["UnitUpserted"] == len(part["units"])


async def test_bulk_confirmation_is_all_or_nothing(client, plan):
    plan_id = plan["plan"]["id"]
    ids = []
    for unit in ("v01", "v02"):
        created = await client.post(
            f"/v1/plans/{plan_id}/results", json={"period": "Y", "unit": unit, "indicator": "I1.1", "actual": "9"}
        )
        ids.append(created.json())
    stale = [
        {"id": ids[0]["id"], "revision": ids[0]["revision"]},
        {"id": ids[1]["id"], "revision": ids[1]["revision"] + 5},
        {"id": "nope", "revision": 1},
    ]
    refused = await client.post(f"/v1/plans/{plan_id}/results/confirm", json={"assessor": "张三", "items": stale})
    assert refused.status_code == 409
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert set(fields) == {"items[1]", "items[2]"} and "revision" in fields["items[1]"]
    statuses = [(await client.get(f"/v1/results/{i['id']}")).json()["status"] for i in ids]
    assert statuses == ["draft", "draft"]
    twice = await client.post(
        f"/v1/plans/{plan_id}/results/confirm", json={"assessor": "张三", "items": [stale[0], stale[0]]}
    )
    assert twice.status_code == 422

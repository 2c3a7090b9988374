"""Excel: template download, filled upload (round trip), bad files reported cell by cell, exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def template(client, unit="a01"):
    response = await client.get(f"/v1/plans/{PLAN}/units/{unit}/template.xlsx")
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def fill(wb, values: dict[tuple[str, str | None], object]) -> bytes:
    ws = wb["填报"]
    for row in ws.iter_rows(min_row=2):
        key = (row[0].value, row[1].value)
        if key in values:
            row[8].value = values[key]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def upload(client, data: bytes, unit="a01"):
    return await client.post(f"/v1/plans/{PLAN}/units/{unit}/template", files={"file": ("t.xlsx", data, XLSX)})


async def test_template_round_trip_then_review(client, plan):
    wb = await template(client)
    rows = list(wb["填报"].iter_rows(min_row=2, values_only=True))
    keys = {(r[0], r[1]) for r in rows}
    assert ("I1.3", "completion") in keys and ("I1.3", "innovation") in keys  # composite parts for an agency
    data = fill(wb, {("I1.1", None): 11.4, ("I1.2", None): "B", ("I3.4", None): "是", ("I1.3", "completion"): 95})
    response = await upload(client, data)
    assert response.status_code == 200, response.text
    assert response.json() == {"submitted": 4, "unchanged": 0}
    results = (await client.get(f"/v1/plans/{PLAN}/results", params={"unit": "a01", "status": "submitted"})).json()
    values = {(r["indicator_id"], r["part"]): r["reported"] for r in results["items"]}
    assert values[("I1.1", "")] == {"actual": "11.4"} and values[("I3.4", "")] == {"done": True}
    again = await upload(client, data)
    assert again.json() == {"submitted": 0, "unchanged": 4}
    # the template now shows the values entered
    wb2 = await template(client)
    shown = {(r[0], r[1]): r[8] for r in wb2["填报"].iter_rows(min_row=2, values_only=True)}
    assert shown[("I1.2", None)] == "B"


async def test_every_bad_cell_is_reported_and_nothing_is_stored(client, plan):
    wb = await template(client)
    ws = wb["填报"]
    ws.append(["I9.9", None, None, None, None, None, None, None, 1])
    data = fill(wb, {("I1.1", None): "eleven", ("I1.2", None): "Z", ("I3.4", None): "maybe", ("I2.1", None): 30})
    response = await upload(client, data)
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert len(errors) == 4
    assert all(f.startswith("填报!") for f in errors)
    assert any("number" in m for m in errors.values()) and any("unknown rating" in m for m in errors.values())
    assert (await client.get(f"/v1/plans/{PLAN}/results")).json()["total"] == 0


async def test_not_a_workbook_and_wrong_unit(client, plan):
    response = await upload(client, b"not a zip")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"
    wb = await template(client, "v01")
    response = await upload(client, fill(wb, {("I1.1", None): 1}), unit="v02")
    assert response.status_code == 422
    assert any(e["field"] == "_meta!unit_id" for e in response.json()["errors"])


async def test_exports(client, plan):
    plan_book = await client.get(f"/v1/plans/{PLAN}/export.xlsx")
    wb = load_workbook(io.BytesIO(plan_book.content))
    assert {"方案", "指标", "单位", "目标"} <= set(wb.sheetnames) and wb["单位"].max_row == 38
    results = await client.get(f"/v1/plans/{PLAN}/results/export.xlsx", params={"period": "Y"})
    assert load_workbook(io.BytesIO(results.content))["成果"].max_row == 1

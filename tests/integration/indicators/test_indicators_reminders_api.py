"""GET /v1/plans/{plan_id}/reminders on the real service: units owing results of a period ending soon."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


async def test_reminders_list_the_units_owing_results_before_the_year_ends(client, plan) -> None:
    plan_id = plan["plan"]["id"]
    far = await client.get(f"/v1/plans/{plan_id}/reminders", params={"as_of": "2026-06-01", "within_days": 30})
    assert (far.status_code, far.json()) == (200, [])
    due = await client.get(f"/v1/plans/{plan_id}/reminders", params={"as_of": "2026-12-20", "within_days": 14})
    assert due.status_code == 200, due.text
    rows = due.json()
    assert {r["unit_id"] for r in rows} == {u["id"] for u in plan["units"]}  # nothing entered yet
    assert {(r["period"], r["ends_on"]) for r in rows} == {("Y", "2026-12-31")}
    assert all(r["missing"] and not r["unconfirmed"] for r in rows)
    bad = await client.get(f"/v1/plans/{plan_id}/reminders", params={"within_days": -1})
    assert bad.status_code == 422

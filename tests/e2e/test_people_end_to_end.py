"""Done when (issue 18): a year with staff, leave of several types and absences, imported into the running
services, closes with every person's eligibility and reasons, listed by reports and exported as XLSX."""

from __future__ import annotations

import asyncio
import io
import time

import httpx
import pytest
from openpyxl import load_workbook

from jixiao.localstack.stack import running_stack
from jixiao.samples import BAILIAN_BUNDLE
from jixiao.testing.servers import initdb_cache
from jixiao_cli.client import StackClient, addresses
from jixiao_cli.commands.scoring_client import close, wait_until_consistent
from jixiao_cli.importer import import_bundle, read_bundle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PLAN = "bailian-2026"
# a07 is vetoed (work safety), v10 too (environment); a18 is graded poor, the plan's lowest band.
STAFF = [
    {"id": "s1", "name": "朱建军", "unit": "a07", "position": "分管副镇长", "roles": ["分管领导"]},
    {"id": "s2", "name": "刘敏", "unit": "a18", "position": "所长", "roles": ["科室负责人"]},
    {"id": "s3", "name": "巴哈尔古丽", "unit": "a06", "position": "站长", "roles": ["head"]},
    {"id": "s4", "name": "武清萍", "unit": "a06", "position": "科员", "roles": ["承办人"]},
    {"id": "s5", "name": "吕锦秀", "unit": "a06", "position": "科员"},
    {
        "id": "s6",
        "name": "阿克然木",
        "unit": "a06",
        "position": "副镇长",
        "roles": ["deputy_leader"],
        "oversees": ["v10"],
    },
]
LEAVES = [
    {"id": "l1", "unit": "a06", "person": "s4", "type": "sick", "start": "2026-03-02", "end": "2026-03-21"},
    {"id": "l2", "unit": "a06", "person": "s5", "type": "maternity", "start": "2026-04-01", "end": "2026-06-29"},
    {"id": "l3", "unit": "a06", "person": "s5", "type": "annual", "start": "2026-08-03", "end": "2026-08-12"},
    {"id": "l4", "unit": "a06", "person": "s5", "type": "business_trip", "start": "2026-09-07", "end": "2026-09-09"},
]
ABSENCES = [
    {"id": "b1", "unit": "a06", "person": "s5", "activity": "labour", "date": "2026-09-08"},
    {"id": "b2", "unit": "a06", "person": "s5", "activity": "study", "date": "2026-10-12"},
]


async def _people(url: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            r = await http.get(f"{url}/v1/plans/{PLAN}/periods/Y/people")
            if r.status_code == 200 and sum(len(u["people"]) for u in r.json()["units"]) == len(STAFF):
                return r.json()
            await asyncio.sleep(0.5)
    raise AssertionError("reports never listed the people")


async def test_a_year_with_people_closes_with_every_person_s_eligibility(tmp_path):
    async with running_stack(tmp_path / "stack", pg_fsync=False, initdb_cache=initdb_cache()) as stack:
        client = StackClient(*addresses(stack))
        bundle = read_bundle(BAILIAN_BUNDLE)
        bundle["staff"], bundle["leaves"], bundle["absences"] = STAFF, LEAVES, ABSENCES
        counts = await asyncio.to_thread(import_bundle, client, bundle)
        assert counts["inspections"]["staff"]["created"] == 6 and counts["inspections"]["absences"]["deducting"] == 1
        await asyncio.to_thread(wait_until_consistent, client, PLAN, 180)
        closed = await asyncio.to_thread(close, client, PLAN, "Y", "e2e")
        assert closed["snapshot_version"] == 1 and len(closed["people_diff"]) == 6

        doc = await _people(client.urls["reports"])
        verdicts = {
            p["staff_id"]: (p["eligible"], [r["code"] for r in p["reasons"]]) for u in doc["units"] for p in u["people"]
        }
        assert verdicts == {
            "s1": (False, ["unit_vetoed"]),
            "s2": (False, ["failing_unit_leader"]),
            "s3": (True, []),
            "s4": (False, ["leave_consecutive"]),
            "s5": (True, []),
            "s6": (False, ["overseen_unit_vetoed"]),
        }
        s5 = next(p for u in doc["units"] for p in u["people"] if p["staff_id"] == "s5")
        assert (s5["leave_days"], s5["absences"], s5["unexcused_absences"], s5["deduction_points"]) == (
            {"maternity": 90, "annual": 10, "business_trip": 3},
            2,
            1,
            "0.5",
        )

        async with httpx.AsyncClient() as http:
            x = await http.get(f"{client.urls['reports']}/v1/plans/{PLAN}/periods/Y/people.xlsx")
        rows = list(load_workbook(io.BytesIO(x.content))["评优资格"].iter_rows(values_only=True))
        assert len(rows) == 1 + len(STAFF) and rows[0][-1] == "原因 Reasons"

"""Task decomposition over REST on PostgreSQL: tasks, filters and paging, progress, overdue, If-Match, summary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.rules import exactjson

pytestmark = pytest.mark.integration
TASKS = "/v1/plans/bailian-2026/tasks"
JSON = {"content-type": "application/json"}


def task(**changes) -> dict:
    return {
        "indicator": "I1.1",
        "unit": "a01",
        "title": "村道硬化",
        "quantity": Decimal("12"),
        "unit_of_measure": "km",
        "deadline": "2026-09-30",
        "lead": "黄小君",
        "deputy": "廖国兴",
        "head": "杨金文",
        "handlers": ["承办人甲"],
        **changes,
    }


async def send(client, method: str, url: str, body: dict | None = None, etag: str | None = None):
    """Exact JSON: Decimals go out as JSON numbers, as a client of this API should send them."""
    headers = {**JSON, **({"If-Match": etag} if etag else {})}
    content = None if body is None else exactjson.dumps(body)
    return await client.request(method, url, content=content, headers=headers)


async def create(client, **changes):
    response = await send(client, "POST", TASKS, task(**changes))
    assert response.status_code == 201, response.text
    return response


async def progress(client, created, quarter: str, done: str, etag: str | None = None):
    body = {"quarter": quarter, "done": Decimal(done), "recorded_by": "承办人甲", "note": f"{quarter}进度"}
    return await send(client, "POST", f"{TASKS}/{created['id']}/progress", body, etag)


async def test_create_then_read_with_etag_and_exact_decimals(client, plan):
    response = await create(client, quantity=Decimal("12.50"))
    body = response.json()
    assert response.headers["etag"] == '"1"'
    assert (body["quantity"], body["done"], body["revision"], body["deadline"]) == ("12.50", "0", 1, "2026-09-30")
    # single names (the older input) come back as one-person roles without a staff id
    assert [body[r] for r in ("lead", "deputy", "head", "handlers")] == [
        [{"staff_id": None, "name": n}] for n in ("黄小君", "廖国兴", "杨金文", "承办人甲")
    ]
    got = await client.get(f"{TASKS}/{body['id']}")
    assert got.status_code == 200 and got.json() == body and got.headers["etag"] == '"1"'
    # overdue is judged on a day: today by default (after the deadline here), or `as_of`
    assert body["overdue"] is True
    assert (await client.get(f"{TASKS}/{body['id']}", params={"as_of": "2026-09-30"})).json()["overdue"] is False


async def test_list_filters_and_pages(client, plan):
    ids = [
        (await create(client, unit=u, indicator=i)).json()["id"]
        for u, i in [("a01", "I1.1"), ("a01", "I2.3"), ("v03", "I1.1"), ("v03", "I1.1"), ("v04", "I1.1")]
    ]
    first = (await client.get(TASKS, params={"limit": 2})).json()
    second = (await client.get(TASKS, params={"limit": 2, "offset": 2})).json()
    third = (await client.get(TASKS, params={"limit": 2, "offset": 4})).json()
    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (5, 2, 0, 2)
    assert sorted(t["id"] for t in first["items"] + second["items"] + third["items"]) == sorted(ids)
    assert len(third["items"]) == 1
    v03 = (await client.get(TASKS, params={"unit": "v03", "indicator": "I1.1"})).json()
    assert v03["total"] == 2 and {t["id"] for t in v03["items"]} == {ids[2], ids[3]}
    i23 = (await client.get(TASKS, params={"indicator": "I2.3"})).json()
    assert [t["id"] for t in i23["items"]] == [ids[1]]
    assert (await client.get("/v1/plans/nope/tasks")).status_code == 404
    assert (await client.get(TASKS, params={"limit": 0})).status_code == 422


async def test_overdue_tasks_are_visible(client, plan):
    late = (await create(client, title="路基整治", deadline="2026-03-31")).json()
    done = (await create(client, title="路面硬化", deadline="2026-03-31", quantity=Decimal("5"))).json()
    ahead = (await create(client, title="护栏安装", deadline="2026-12-31")).json()
    assert (await progress(client, late, "Q1", "5", '"1"')).status_code == 200
    assert (await progress(client, done, "Q1", "5", '"1"')).status_code == 200
    listed = (await client.get(TASKS, params={"overdue": "true", "as_of": "2026-04-01"})).json()
    assert listed["total"] == 1 and [t["id"] for t in listed["items"]] == [late["id"]]
    assert listed["items"][0]["overdue"] is True and listed["items"][0]["done"] == "5"
    on_track = (await client.get(TASKS, params={"overdue": "false", "as_of": "2026-04-01"})).json()
    assert {t["id"] for t in on_track["items"]} == {done["id"], ahead["id"]}
    assert all(t["overdue"] is False for t in on_track["items"])
    # without as_of the day is today, long after the end of March 2026
    today = (await client.get(f"{TASKS}/{late['id']}")).json()
    assert today["overdue"] is True
    summary = (
        await client.get("/v1/plans/bailian-2026/indicators/I1.1/tasks/summary", params={"as_of": "2026-04-01"})
    ).json()
    assert (summary["tasks"], summary["overdue"], summary["planned"], summary["done"]) == (3, 1, "29", "10")


async def test_progress_is_cumulative_and_a_refused_entry_changes_nothing(client, plan):
    created = (await create(client)).json()
    q2 = await progress(client, created, "Q2", "7.5", '"1"')
    assert q2.status_code == 200 and q2.headers["etag"] == '"2"'
    below = await progress(client, created, "Q3", "7.4", '"2"')
    assert below.status_code == 422 and below.headers["content-type"].startswith("application/problem+json")
    assert below.json()["errors"][0]["field"] == "done"
    assert "cumulative" in below.json()["errors"][0]["message"] and "Q2" in below.json()["errors"][0]["message"]
    bad_quarter = await progress(client, created, "Q5", "8", '"2"')
    assert bad_quarter.status_code == 422 and bad_quarter.json()["errors"][0]["field"] == "quarter"
    stored = (await client.get(f"{TASKS}/{created['id']}")).json()
    assert stored["revision"] == 2 and [(e["quarter"], e["done"]) for e in stored["progress"]] == [("Q2", "7.5")]
    q1 = await progress(client, created, "Q1", "3", '"2"')
    again = await progress(client, created, "Q1", "4", q1.headers["etag"])  # re-entering replaces
    entries = again.json()["progress"]
    assert [(e["quarter"], e["done"]) for e in entries] == [("Q1", "4"), ("Q2", "7.5")]
    assert entries[0]["recorded_by"] == "承办人甲" and entries[0]["note"] == "Q1进度" and entries[0]["recorded_at"]
    assert again.json()["done"] == "7.5"


async def test_if_match_is_required_and_must_be_current(client, plan):
    created = (await create(client)).json()
    url = f"{TASKS}/{created['id']}"
    assert (await send(client, "PUT", url, task(title="新标题"))).status_code == 428
    assert (await send(client, "DELETE", url)).status_code == 428
    assert (await progress(client, created, "Q1", "1")).status_code == 428
    changed = await send(client, "PUT", url, task(title="村道硬化（调整）", quantity=Decimal("15")), '"1"')
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
    assert (changed.json()["title"], changed.json()["quantity"]) == ("村道硬化（调整）", "15")
    stale = await send(client, "PUT", url, task(title="过期"), '"1"')
    assert stale.status_code == 412 and stale.headers["content-type"].startswith("application/problem+json")
    assert (await progress(client, created, "Q1", "1", '"1"')).status_code == 412
    assert (await send(client, "DELETE", url, etag='"1"')).status_code == 412
    assert (await client.get(url)).json()["title"] == "村道硬化（调整）"
    deleted = await send(client, "DELETE", url, etag='"2"')
    assert deleted.status_code == 204
    assert (await client.get(url)).status_code == 404


async def test_unknown_tasks_are_not_found(client, plan):
    url = f"{TASKS}/00000000-0000-7000-8000-000000000000"
    assert (await client.get(url)).status_code == 404
    assert (await send(client, "PUT", url, task(), '"1"')).status_code == 404
    assert (await send(client, "DELETE", url, etag='"1"')).status_code == 404
    missing = await send(client, "POST", f"{url}/progress", {"quarter": "Q1", "done": 1, "recorded_by": "甲"}, '"1"')
    assert missing.status_code == 404 and missing.json()["status"] == 404
    assert (await client.get("/v1/plans/bailian-2026/indicators/I9/tasks/summary")).status_code == 404


async def test_bad_tasks_are_refused_with_the_field_named_and_nothing_stored(client, plan):
    cases = [
        ({"indicator": "I1"}, "indicator"),
        ({"indicator": "I9"}, "indicator"),
        ({"unit": "nope"}, "unit"),
        ({"quantity": Decimal(0)}, "quantity"),
        ({"title": " "}, "title"),
        ({"unit_of_measure": ""}, "unit_of_measure"),
        ({"deadline": "2030-01-01"}, "deadline"),
    ]
    for changes, field in cases:
        response = await send(client, "POST", TASKS, task(**changes))
        assert response.status_code == 422, (changes, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], response.text
    not_a_date = await send(client, "POST", TASKS, task(deadline="tomorrow"))
    assert not_a_date.status_code == 422 and not_a_date.json()["errors"][0]["field"] == "body.deadline"
    assert (await client.get(TASKS)).json()["total"] == 0
    created = (await create(client)).json()
    moved = await send(client, "PUT", f"{TASKS}/{created['id']}", task(unit="nope"), '"1"')
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "unit"
    assert (await client.get(f"{TASKS}/{created['id']}")).json()["unit_id"] == "a01"


async def test_decimals_stay_exact_from_request_to_summary(client, plan):
    a = (await create(client, unit="v03", quantity=Decimal("0.1"))).json()
    await create(client, unit="v03", quantity=Decimal("0.2"))
    assert (await progress(client, a, "Q1", "0.1", '"1"')).json()["done"] == "0.1"
    summary = await client.get("/v1/plans/bailian-2026/indicators/I1.1/tasks/summary", params={"as_of": "2026-04-01"})
    body = summary.json()
    assert summary.status_code == 200, summary.text
    assert (body["planned"], body["done"], body["target"], body["unassigned"], body["measure"]) == (
        "0.3",
        "0.1",
        "10",
        "9.7",
        "km",
    )
    assert [(u["unit_id"], u["target"], u["planned"], u["unassigned"]) for u in body["units"]] == [
        ("v03", "30", "0.3", "29.7")
    ]  # v03 has its own target for I1.1
    assert body["totals"] == [{"unit_of_measure": "km", "tasks": 2, "quantity": "0.3", "done": "0.1"}]
    group = await client.get("/v1/plans/bailian-2026/indicators/I1/tasks/summary")
    assert group.status_code == 422


async def test_the_openapi_document_describes_tasks_with_examples(client, plan):
    doc = (await client.get("/openapi.json")).json()
    assert {"post", "get"} <= set(doc["paths"]["/v1/plans/{plan_id}/tasks"])
    assert {"get", "put", "delete"} <= set(doc["paths"]["/v1/plans/{plan_id}/tasks/{task_id}"])
    assert "/v1/plans/{plan_id}/indicators/{indicator_id}/tasks/summary" in doc["paths"]
    example = doc["components"]["schemas"]["TaskCreate"]["examples"][0]
    assert (example["title"], example["lead"][1], example["unit_of_measure"]) == ("村道硬化", "廖国兴", "km")
    assert "/v1/plans/{plan_id}/tasks/late-reports" in doc["paths"]

"""Surveys tried as an attacker would (auth on): an interviewer cannot hand themselves respondents
(and so their phone numbers); deep JSON is a 400, not a 500; hostile decimals and NUL bytes in a
body, and unbounded versions, are refused at the edge."""

from __future__ import annotations

import httpx
import pytest

from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.auth import SECRET, bearer
from services.surveys.app import create_app

pytestmark = pytest.mark.integration
OFFICE = bearer("县绩效办", "office")


@pytest.fixture
async def client(database_url):
    app = create_app(
        ServiceSettings(service="surveys", grpc_port=0, auth=True, secret_key=SECRET),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:1"),
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://surveys") as c:
            yield c


async def test_an_interviewer_cannot_assign_themselves_respondents(client):
    assign = "/v1/plans/p/rounds/r/units/u/assignments"
    mine = await client.post(assign, json={"interviewers": ["李四"]}, headers=bearer("李四", "interviewer"))
    assert mine.status_code == 403 and "office" in mine.json()["detail"]


async def test_hostile_bodies_and_queries_are_refused_cleanly(client):
    deep = await client.post(
        "/v1/import", content=b"[" * 200_000 + b"]" * 200_000, headers={**OFFICE, "content-type": "application/json"}
    )
    assert (deep.status_code, deep.headers["content-type"]) == (400, "application/problem+json")
    huge = await client.post(
        "/v1/plans/p/responses",
        content=b'{"responses": [{"score": 1E+999999999}]}',
        headers={**OFFICE, "content-type": "application/json"},
    )
    assert huge.status_code == 422
    nul = await client.post("/v1/plans/p/responses", json={"responses": [{"unit": "u\x00"}]}, headers=OFFICE)
    assert nul.status_code == 422
    version = await client.get(
        "/v1/plans/p/rounds/r/questionnaires/urban_resident?version=99999999999999999999", headers=OFFICE
    )
    assert version.status_code == 422
    assert (await client.get("/healthz")).status_code == 200

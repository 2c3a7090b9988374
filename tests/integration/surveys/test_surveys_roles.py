"""With JIXIAO_AUTH on: the office sets plans up, interviewers do fieldwork as the token's user."""

from __future__ import annotations

import httpx
import pytest

from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.auth import SECRET, bearer
from services.surveys.app import create_app

pytestmark = pytest.mark.integration


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


async def test_roles(client):
    assert (await client.get("/v1/plans/p/rounds")).status_code == 401
    interviewer = bearer("李四", "interviewer")
    refused = await client.post("/v1/import", json={"plan": {"id": "p"}}, headers=interviewer)
    assert refused.status_code == 403 and "office" in refused.json()["detail"]
    leader = bearer("leader", "leader")
    fieldwork = await client.post("/v1/plans/p/rounds/r/units/u/interviews", json={}, headers=leader)
    assert fieldwork.status_code == 403
    assert (await client.get("/v1/plans/p/rounds", headers=leader)).status_code in (200, 404)
    # an interviewer cannot record under another interviewer's name: the token says who they are
    spoofed = await client.post(
        "/v1/plans/p/rounds/r/units/u/interviews",
        json={
            "interview_id": "i1",
            "respondent_id": "x",
            "interviewer": "王五",
            "mode": "phone",
            "outcome": "refused",
            "answers": {},
        },
        headers={**interviewer, "X-Actor": "wang5"},
    )
    assert spoofed.status_code == 403, spoofed.text

"""With JIXIAO_AUTH on, scoring lets any signed-in role read and only the office close or re-score."""

from __future__ import annotations

import httpx
import pytest

from jixiao.auth import COOKIE, issue_token
from jixiao.migrations import migrate
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.auth import SECRET, bearer
from services.scoring.app import create_app, service_of
from services.scoring.settings import ScoringSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def http(database_url):
    app = create_app(
        ServiceSettings(service="scoring", grpc_port=0, auth=True, secret_key=SECRET),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:9"),
        ScoringSettings(),
    )
    await migrate(app.state.runtime.db.url, "scoring")
    service_of(app.state.runtime)  # wired as the lifespan would, without a broker
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scoring") as client:
        yield client
    await app.state.runtime.db.dispose()


async def test_tokens_and_roles(http):
    close = "/v1/plans/nope/periods/Y/close"
    missing = await http.post(close)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert (await http.post(close, headers=bearer("tester", "office", secret=SECRET + "-forged"))).status_code == 401
    leader = await http.post(close, headers=bearer("tester", "leader"))
    assert leader.status_code == 403 and "office" in leader.json()["detail"]
    # the office gets past the door: the plan is unknown, which is the service's own answer
    office = await http.post(close, headers=bearer("tester", "office"))
    assert office.status_code == 404 and "not known" in office.json()["detail"]

    reads = "/v1/plans/nope/consistency"
    assert (await http.get(reads)).status_code == 401
    assert (await http.get(reads, headers=bearer("tester", "leader"))).status_code == 200
    http.cookies.set(COOKIE, issue_token(SECRET, "leader", ["leader"]))
    assert (await http.get(reads)).status_code == 200  # a browser page with the cookie
    assert (await http.get("/healthz")).status_code == 200  # probes stay open

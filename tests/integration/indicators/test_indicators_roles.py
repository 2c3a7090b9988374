"""With JIXIAO_AUTH on: unit officers enter for their own units, assessors review, the office
administers; the audit trail names the token's user, whatever the body claims."""

from __future__ import annotations

import httpx
import pytest

from jixiao.testing.auth import SECRET, bearer
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.indicators.app import create_app

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"



@pytest.fixture
async def secured(database_url):
    app = create_app(ServiceSettings(service="indicators", grpc_port=0, auth=True, secret_key=SECRET),
                     DatabaseSettings(database_url=database_url), KafkaSettings(kafka_bootstrap="127.0.0.1:1"))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://indicators") as c:
            yield c


async def test_roles_decide_who_may_do_what(secured, plan):
    officer = bearer("黄小君", "unit", units=("v01",))
    assessor = bearer("张三", "assessor")
    body = {"period": "Y", "unit": "v01", "indicator": "I1.1", "actual": "11.4", "actor": "someone else"}

    assert (await secured.get(f"/v1/plans/{PLAN}/results")).status_code == 401
    assert (await secured.get(f"/v1/plans/{PLAN}/results", headers=bearer("leader", "leader"))).status_code == 200

    other = await secured.post(f"/v1/plans/{PLAN}/results", json={**body, "unit": "v02"}, headers=officer)
    assert other.status_code == 403 and "v02" in other.json()["detail"]
    created = await secured.post(f"/v1/plans/{PLAN}/results", json=body, headers=officer)
    assert created.status_code == 201, created.text
    rid, etag = created.json()["id"], created.headers["etag"]

    self_confirm = await secured.post(f"/v1/results/{rid}/confirm", json={"assessor": "黄小君"},
                                      headers={**officer, "If-Match": etag})
    assert self_confirm.status_code == 403 and "assessor" in self_confirm.json()["detail"]
    confirmed = await secured.post(f"/v1/results/{rid}/confirm", json={"assessor": "not me"},
                                   headers={**assessor, "If-Match": etag})
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_by"] == "张三"
    history = (await secured.get(f"/v1/results/{rid}/history", headers=assessor)).json()
    assert [(e["action"], e["actor"]) for e in history] == [("enter", "黄小君"), ("confirm", "张三")]

    # administration is the office's
    close = await secured.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"closed_by": "x"}, headers=assessor)
    assert close.status_code == 403
    imported = await secured.post("/v1/import", json={"plan": {"id": PLAN}}, headers=officer)
    assert imported.status_code == 403
    assert (await secured.get(f"/v1/plans/{PLAN}/periods", headers=officer)).json() == []

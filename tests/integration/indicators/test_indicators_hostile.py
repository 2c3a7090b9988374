"""Indicators tried as an attacker would (auth on, a township year imported): unit tokens are
plan-qualified, huge decimals and control characters are refused at the edge before any
arithmetic, a zip bomb is refused before openpyxl, unpublished evidence is not everyone's."""

from __future__ import annotations

import copy
import io
import time
import zipfile

import httpx
import pytest

from jixiao.rules import exactjson
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.auth import SECRET, bearer
from services.indicators.app import create_app

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"
OTHER = "bailian-2027"
OFFICE = bearer("县绩效办", "office")


@pytest.fixture
async def secured(database_url, part):
    app = create_app(
        ServiceSettings(service="indicators", grpc_port=0, auth=True, secret_key=SECRET),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:1"),
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://indicators") as c:
            for plan_id in (PLAN, OTHER):
                doc = copy.deepcopy(part)
                doc["results"] = []
                doc["plan"]["id"] = plan_id
                response = await c.post(
                    "/v1/import", content=exactjson.dumps(doc), headers={**OFFICE, "content-type": "application/json"}
                )
                assert response.status_code == 200, response.text
            yield c


def _result(unit: str = "v01", actual: str = "11.4") -> dict:
    return {"period": "Y", "unit": unit, "indicator": "I1.1", "actual": actual}


async def test_a_unit_token_writes_its_own_plan_only(secured):
    officer = bearer("黄小君", "unit", units=(f"{PLAN}:v01",))
    elsewhere = await secured.post(f"/v1/plans/{OTHER}/results", json=_result(), headers=officer)
    assert elsewhere.status_code == 403 and OTHER in elsewhere.json()["detail"]
    own = await secured.post(f"/v1/plans/{PLAN}/results", json=_result(), headers=officer)
    assert own.status_code == 201, own.text
    # a plan-wide scope covers every unit of that plan, and only that plan
    township = bearer("白莲镇", "unit", units=(f"{OTHER}:*",))
    assert (await secured.post(f"/v1/plans/{OTHER}/results", json=_result("v02"), headers=township)).status_code == 201
    assert (await secured.post(f"/v1/plans/{PLAN}/results", json=_result("v02"), headers=township)).status_code == 403
    # unpublished evidence: not for another plan's unit officer
    rid = own.json()["id"]
    assert (await secured.get(f"/v1/results/{rid}/evidence", headers=township)).status_code == 403
    assert (await secured.get(f"/v1/results/{rid}/evidence", headers=officer)).status_code == 200
    # every write answers 401 to anonymous and forged tokens
    assert (await secured.post(f"/v1/plans/{PLAN}/results", json=_result())).status_code == 401
    forged = bearer("x", "office", secret=SECRET + "-forged")
    assert (await secured.post(f"/v1/plans/{PLAN}/results", json=_result(), headers=forged)).status_code == 401


@pytest.mark.parametrize("actual", ["1E+999999999", "-5E+30", "1E-999999999"])
async def test_hostile_decimals_are_refused_at_once(secured, actual):
    start = time.perf_counter()
    response = await secured.post(f"/v1/plans/{PLAN}/results", json=_result(actual=actual), headers=OFFICE)
    as_number = await secured.post(
        f"/v1/plans/{PLAN}/results",
        content=f'{{"period": "Y", "unit": "v01", "indicator": "I1.1", "actual": {actual}}}',
        headers={**OFFICE, "content-type": "application/json"},
    )
    assert (response.status_code, as_number.status_code) == (422, 422)
    assert time.perf_counter() - start < 5
    assert (await secured.get("/healthz")).status_code == 200


async def test_control_characters_in_names_and_nul_bytes_are_refused(secured):
    unit = {"id": "v99", "name": "坏\x08村", "kind": "village", "group": "village"}
    response = await secured.put(f"/v1/plans/{PLAN}/units", json={"units": [unit]}, headers=OFFICE)
    assert response.status_code == 422
    nul = await secured.post(f"/v1/plans/{PLAN}/results", json={**_result(), "comment": "a\x00b"}, headers=OFFICE)
    assert nul.status_code == 422
    for query in ("offset=99999999999999999999", "year=-817"):
        assert (await secured.get(f"/v1/plans?{query}", headers=OFFICE)).status_code == 422
    # the plan's export still works: nothing unexportable got in
    assert (await secured.get(f"/v1/plans/{PLAN}/export.xlsx", headers=OFFICE)).status_code == 200


async def test_an_xlsx_zip_bomb_is_refused_before_openpyxl(secured):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            for _ in range(96):
                part.write(b"A" * (1 << 20))
    response = await secured.post(
        f"/v1/plans/{PLAN}/units/v01/template",
        headers=OFFICE,
        files={"file": ("t.xlsx", out.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 422 and "Excel file is not acceptable" in response.json()["detail"]


async def test_a_body_over_the_limit_is_413(secured):
    response = await secured.post(
        f"/v1/plans/{PLAN}/results",
        headers={**OFFICE, "content-type": "application/json"},
        content=b'{"comment": "' + b"x" * (2 << 20) + b'"}',
    )
    assert (response.status_code, response.headers["content-type"]) == (413, "application/problem+json")

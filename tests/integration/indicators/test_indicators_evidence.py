"""Evidence files over REST on real PostgreSQL: multipart upload, limits, download, directory storage."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.indicators.app import create_app
from services.indicators.settings import IndicatorsSettings

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


async def a_result(client) -> str:
    created = await client.post(
        f"/v1/plans/{PLAN}/results", json={"period": "Y", "unit": "v01", "indicator": "I1.1", "actual": "11.4"}
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def upload(client, rid, name, data, kind="application/pdf", **form):
    return await client.post(f"/v1/results/{rid}/evidence", files={"file": (name, data, kind)}, data=form)


async def test_upload_list_download_delete_in_the_database(client, plan):
    rid = await a_result(client)
    sent = await upload(client, rid, "村道验收单.pdf", PDF, actor="黄小君", note="11.4公里")
    assert sent.status_code == 201, sent.text
    item = sent.json()
    assert (item["size"], item["stored"], item["uploaded_by"]) == (len(PDF), "database", "黄小君")

    listed = (await client.get(f"/v1/results/{rid}/evidence")).json()
    assert [e["id"] for e in listed] == [item["id"]]
    got = await client.get(f"/v1/evidence/{item['id']}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert quote("村道验收单.pdf") in got.headers["content-disposition"]

    assert (await client.delete(f"/v1/evidence/{item['id']}")).status_code == 204
    assert (await client.get(f"/v1/evidence/{item['id']}")).status_code == 404
    assert (await client.get(f"/v1/results/{rid}/evidence")).json() == []


async def test_bad_files_are_refused_and_nothing_is_stored(client, plan):
    rid = await a_result(client)
    fake = await upload(client, rid, "photo.png", PDF, "image/png")
    assert fake.status_code == 422 and "not a image/png file" in fake.json()["detail"]
    exe = await upload(client, rid, "tool.exe", b"MZ" + PDF, "application/x-msdownload")
    assert exe.status_code == 422 and exe.headers["content-type"].startswith("application/problem+json")
    empty = await upload(client, rid, "empty.pdf", b"")
    assert empty.status_code == 422
    missing = await upload(client, "00000000-0000-0000-0000-000000000000", "a.pdf", PDF)
    assert missing.status_code == 404
    assert (await client.get(f"/v1/results/{rid}/evidence")).json() == []


@pytest.fixture
async def dir_client(database_url, tmp_path):
    """An indicators app keeping evidence under tmp_path, with a 4 KiB limit."""
    app = create_app(
        ServiceSettings(service="indicators", grpc_port=0),
        DatabaseSettings(database_url=database_url),
        KafkaSettings(kafka_bootstrap="127.0.0.1:1"),
        IndicatorsSettings(evidence_dir=tmp_path, evidence_max_bytes=4096),
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://indicators") as c:
            yield c


async def test_directory_storage_and_the_size_limit(dir_client, plan, tmp_path):
    # `plan` imported through the other client's database: same database_url, so the same plan
    rid = await a_result(dir_client)
    too_big = await upload(dir_client, rid, "big.pdf", b"%PDF-" + b"x" * 4096)
    assert too_big.status_code == 413 and "4096 bytes" in too_big.json()["detail"]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []

    small = b"%PDF-" + b"y" * 1000
    sent = await upload(dir_client, rid, "ok.pdf", small)
    assert sent.status_code == 201 and sent.json()["stored"] == "directory"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == small
    assert (await dir_client.get(f"/v1/evidence/{sent.json()['id']}")).content == small

    result = (await dir_client.get(f"/v1/results/{rid}")).json()
    confirmed = await dir_client.post(
        f"/v1/results/{rid}/confirm", json={"assessor": "张三"}, headers={"If-Match": f'"{result["revision"]}"'}
    )
    assert confirmed.status_code == 200
    kept = await dir_client.delete(f"/v1/evidence/{sent.json()['id']}")
    assert kept.status_code == 409 and files[0].exists()

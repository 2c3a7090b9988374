"""Evidence files: the upload rules (pure) and the use cases on fakes, with both stores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jixiao.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from services.indicators.adapters.evidence_store import DatabaseEvidenceStore, DirectoryEvidenceStore
from services.indicators.domain import evidence as ev
from services.indicators.service import handlers as h

pytestmark = pytest.mark.unit
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n" + b"x" * 100
LIMITS = ev.UploadLimits(max_bytes=1000, types=frozenset(ev.DEFAULT_TYPES))


def test_media_type_from_declared_or_extension():
    assert ev.media_type("a.pdf", "application/pdf; charset=binary") == ev.PDF
    assert ev.media_type("验收单.PDF", "application/octet-stream") == ev.PDF
    assert ev.media_type("photo.jpeg", None) == ev.JPEG
    assert ev.media_type("notes", None) == "application/octet-stream"


def test_clean_filename_drops_paths_and_control_characters():
    assert ev.clean_filename("C:\\docs\\村道\x07.pdf") == "村道_.pdf"
    assert ev.clean_filename("../../etc/passwd") == "passwd"
    with pytest.raises(InvalidInput):
        ev.clean_filename("../")
    assert len(ev.clean_filename("a" * 500 + ".pdf")) == ev.MAX_NAME


@pytest.mark.parametrize(
    ("name", "kind", "data", "error", "text"),
    [
        ("big.pdf", ev.PDF, b"%PDF-" + b"x" * 1000, PayloadTooLarge, "limit of 1000 bytes"),
        ("empty.pdf", ev.PDF, b"", InvalidInput, "empty"),
        ("run.exe", "application/x-msdownload", b"MZ" * 10, InvalidInput, "not accepted"),
        ("fake.png", ev.PNG, PDF, InvalidInput, "not a image/png file"),
    ],
)
def test_check_upload_refuses(name, kind, data, error, text):
    with pytest.raises(error) as exc:
        ev.check_upload(name, kind, data[:16], len(data), LIMITS)
    assert text in exc.value.detail and exc.value.problems[0].path == "file"


def test_check_upload_accepts_a_pdf_at_the_limit():
    data = b"%PDF-" + b"x" * 995
    ev.check_upload("ok.pdf", ev.PDF, data[:16], len(data), LIMITS)  # no exception


@pytest.fixture
async def result_id(uow, part):
    """A published plan with one entered result."""
    plan = await h.create_plan(uow, part["plan"], part["indicators"])
    await h.upsert_units(uow, plan.id, part["units"])
    await h.publish_plan(uow, plan.id, plan.revision, NOW)
    result = await h.enter_result(uow, plan.id, "v01", "I1.1", None, "Y", {"actual": Decimal("11.4")}, None, now=NOW)
    return result.id


@pytest.fixture(params=["database", "directory"])
def store(request, tmp_path):
    return DatabaseEvidenceStore() if request.param == "database" else DirectoryEvidenceStore(tmp_path)


async def test_upload_list_read_delete(uow, store, result_id):
    item = await h.upload_evidence(uow, store, LIMITS, result_id, "验收单.pdf", None, PDF, "黄小君", "村道验收", NOW)
    assert (item.content_type, item.size, item.uploaded_by) == (ev.PDF, len(PDF), "黄小君")
    listed = await h.list_evidence(uow, result_id)
    assert [e.id for e in listed] == [item.id] and listed[0].data is None
    meta, data = await h.read_evidence(uow, store, item.id)
    assert data == PDF and meta.sha256 == item.sha256
    await h.delete_evidence(uow, store, item.id)
    assert await h.list_evidence(uow, result_id) == []
    with pytest.raises(NotFound):
        await h.read_evidence(uow, store, item.id)


async def test_directory_store_writes_a_file_and_removes_it(uow, tmp_path, result_id):
    store = DirectoryEvidenceStore(tmp_path)
    item = await h.upload_evidence(uow, store, LIMITS, result_id, "a.pdf", ev.PDF, PDF, now=NOW)
    path = tmp_path / item.path
    assert path.read_bytes() == PDF and uow.evidence.rows[(item.id,)].data is None
    await h.delete_evidence(uow, store, item.id)
    assert not path.exists()


async def test_a_failed_commit_leaves_no_file(uow, tmp_path, result_id):
    store = DirectoryEvidenceStore(tmp_path)

    async def broken_commit():
        raise RuntimeError("database went away")

    uow.commit = broken_commit
    with pytest.raises(RuntimeError):
        await h.upload_evidence(uow, store, LIMITS, result_id, "a.pdf", ev.PDF, PDF, now=NOW)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert uow.evidence.rows == {}


async def test_refused_uploads_store_nothing(uow, result_id):
    store = DatabaseEvidenceStore()
    with pytest.raises(InvalidInput):
        await h.upload_evidence(uow, store, LIMITS, result_id, "x.png", ev.PNG, PDF, now=NOW)
    with pytest.raises(NotFound):
        await h.upload_evidence(uow, store, LIMITS, "no-such-result", "a.pdf", ev.PDF, PDF, now=NOW)
    assert uow.evidence.rows == {}


async def test_confirmed_results_and_closed_periods_keep_their_evidence(uow, result_id):
    store = DatabaseEvidenceStore()
    item = await h.upload_evidence(uow, store, LIMITS, result_id, "a.pdf", ev.PDF, PDF, now=NOW)
    result = await h.get_result(uow, result_id)
    await h.confirm_result(uow, result_id, result.revision, "张三", NOW)
    with pytest.raises(Conflict, match="confirmed"):
        await h.delete_evidence(uow, store, item.id)
    await h.close_period(uow, "bailian-2026", "Y", "县绩效办", NOW)
    with pytest.raises(Conflict, match="closed"):
        await h.upload_evidence(uow, store, LIMITS, result_id, "b.pdf", ev.PDF, PDF, now=NOW)
    assert len(uow.evidence.rows) == 1

"""The kernel's upload rules: zip bombs refused before openpyxl opens them; types sniffed, not believed."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from jixiao import uploads
from jixiao.errors import InvalidInput

pytestmark = pytest.mark.unit


def _xlsx(rows: int = 3) -> bytes:
    wb = Workbook()
    for i in range(rows):
        wb.active.append([f"v{i:02d}", i])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bomb(shared_strings_bytes: int) -> bytes:
    """A small .xlsx whose shared strings inflate to `shared_strings_bytes`."""
    good = zipfile.ZipFile(io.BytesIO(_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for item in good.infolist():
            if item.filename != "xl/sharedStrings.xml":
                z.writestr(item, good.read(item))
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            chunk = b"<si><t>" + b"A" * (1 << 20) + b"</t></si>"
            for _ in range(shared_strings_bytes // len(chunk)):
                part.write(chunk)
    return out.getvalue()


def test_an_ordinary_workbook_passes():
    uploads.check_xlsx(_xlsx(50))


def test_a_small_file_holding_hundreds_of_megabytes_of_shared_strings_is_refused_before_parsing():
    bomb = _bomb(1 << 28)
    assert len(bomb) < 4 << 20
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(InvalidInput, match="inflates to more than|compressed more than"):
        uploads.check_xlsx(bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 16 << 20 and time.perf_counter() - start < 2


def test_too_many_rows_are_refused_by_counting_before_parsing():
    with pytest.raises(InvalidInput, match="more than 20 rows"):
        uploads.check_xlsx(_xlsx(50), max_rows=20)


def test_not_a_zip_is_refused():
    with pytest.raises(InvalidInput, match="not an .xlsx"):
        uploads.check_xlsx(b"<html><script>alert(1)</script></html>")


def test_html_claiming_to_be_a_pdf_is_refused_and_names_are_cleaned():
    limits = uploads.UploadLimits(1 << 20, frozenset(uploads.DEFAULT_TYPES))
    name = uploads.clean_filename('../../x"\x00.pdf')
    assert name == "x__.pdf"
    with pytest.raises(InvalidInput, match="not a application/pdf"):
        uploads.check_upload(name, uploads.media_type(name, "application/pdf"), b"<html>", 6, limits)
    with pytest.raises(InvalidInput, match="text/html are not accepted"):
        uploads.check_upload("x.html", uploads.media_type("x.html", "text/html"), b"<html>", 6, limits)
    headers = uploads.attachment_headers("报告.pdf", "abc")
    assert headers["Content-Disposition"].startswith("attachment;") and headers["X-Content-Type-Options"] == "nosniff"

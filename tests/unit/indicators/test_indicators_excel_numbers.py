"""Numbers in uploaded templates are read as the decimals written in the file, never through floats."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from services.indicators.adapters import excel

pytestmark = pytest.mark.unit


def _template(values: list[object], extra_sheet_first: bool = False) -> bytes:
    wb = Workbook()
    if extra_sheet_first:
        wb.active.title = "说明"
        ws = wb.create_sheet(excel.ENTRY_SHEET)
    else:
        ws = wb.active
        ws.title = excel.ENTRY_SHEET
    ws.append([title for _, title in excel.COLUMNS])
    for i, value in enumerate(values):
        ws.append([f"I1.{i + 1}", None, "x", "ratio", 6, 10, "actual", None, value, None])
    meta = wb.create_sheet(excel.META_SHEET)
    meta.append(["plan_id", "p"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rewrite(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with one text replaced in its sheets' XML (openpyxl itself writes ~15 digits)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            target.writestr(item, body.replace(old, new) if item.filename.startswith("xl/worksheets/") else body)
    return out.getvalue()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("99.40000000000001", "99.4"),  # how openpyxl writes the double nearest 99.4
        ("0.30000000000000004", "0.3"),
        ("123456789.123456", "123456789.123456"),  # 15 digits: kept as written
        ("72.99999999999999", "73"),
        ("1E-3", "0.001"),
        ("11.4", "11.4"),
    ],
)
def test_excel_number_keeps_the_fifteen_digits_excel_holds(text, value):
    assert str(excel.excel_number(text)) == value


@pytest.mark.parametrize("extra_sheet_first", [False, True])
def test_number_cells_are_read_from_the_file_text(extra_sheet_first):
    # as a float, 0.1234567890123456 (16 digits) would come back with binary noise: the text gives 15 digits
    data = _template([Decimal("424242.5"), Decimal("11.4"), 7, "12.50", None], extra_sheet_first)
    data = _rewrite(data, b"<v>424242.5</v>", b"<v>0.12345678901234567</v>")
    _meta, rows = excel.read_template(data)
    values = [r.value for r in rows]
    assert values[:3] == [Decimal("0.123456789012346"), Decimal("11.4"), Decimal(7)]
    assert all(isinstance(v, Decimal) for v in values[:3])
    assert values[3] == "12.50"  # text cells stay text; the use case parses them


def test_number_texts_reads_only_the_value_column():
    data = _template([Decimal("2.5")])
    found = excel.number_texts(data, excel.ENTRY_SHEET, excel.COL["value"])
    assert found == {2: Decimal("2.5")}
    assert excel.number_texts(data, "no such sheet", excel.COL["value"]) == {}


def test_long_decimals_are_written_as_text_so_a_re_upload_keeps_them():
    data = excel.build_template(
        {"plan_id": "p"},
        [
            {"indicator": "I1.1", "field": "actual", "value": Decimal("1.0000000000000001")},
            {"indicator": "I1.2", "field": "actual", "value": Decimal("11.4")},
        ],
    )
    _meta, rows = excel.read_template(data)
    assert [r.value for r in rows] == ["1.0000000000000001", Decimal("11.4")]

"""Excel files (.xlsx, openpyxl): the per-unit data-entry template, reading it back, exports.

Only translation between cells and plain rows lives here; what a value means is decided by the
use cases and the scoring rules.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

ENTRY_SHEET = "填报"
META_SHEET = "_meta"
# column letters of the template (the unit fills VALUE and COMMENT)
COLUMNS = [
    ("indicator", "指标编号"),
    ("part", "分项"),
    ("name", "指标名称"),
    ("method", "计分方法"),
    ("max_points", "分值"),
    ("target", "目标值"),
    ("field", "填报项"),
    ("allowed", "可选值"),
    ("value", "填报值"),
    ("comment", "说明"),
]
COL = {key: get_column_letter(i + 1) for i, (key, _) in enumerate(COLUMNS)}
_FILL = PatternFill("solid", fgColor="FFF2CC")
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


@dataclass(frozen=True)
class EntryRow:
    """One filled row of an uploaded template: the cells as read (None when empty)."""

    row: int
    indicator: Any
    part: Any
    field: Any
    value: Any
    comment: Any


class NotAWorkbook(ValueError):
    """The upload is not a readable .xlsx workbook."""


def _cell(value: Any) -> Any:
    """Lists become text; a Decimal stays a number unless it has more than the 15 significant digits
    openpyxl writes (then it is written as text, so a re-upload cannot change it)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, Decimal) and len(value.as_tuple().digits) > 15:
        return str(value)
    return value


def build_template(meta: dict[str, Any], rows: list[dict[str, Any]]) -> bytes:
    """The data-entry workbook: one row per applicable leaf (or composite part), meta in a hidden sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = ENTRY_SHEET
    ws.append([title for _, title in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([_cell(r.get(key)) for key, _ in COLUMNS])
        for key in ("value", "comment"):
            ws[f"{COL[key]}{ws.max_row}"].fill = _FILL
    for i, width in enumerate((12, 14, 30, 12, 8, 10, 10, 20, 14, 30), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    meta_ws = wb.create_sheet(META_SHEET)
    for key, value in meta.items():
        meta_ws.append([key, _cell(value)])
    meta_ws.sheet_state = "hidden"
    return _save(wb)


def read_template(data: bytes) -> tuple[dict[str, Any], list[EntryRow]]:
    """The meta values and the rows of an uploaded template (rows without indicator are skipped)."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise NotAWorkbook(f"not an .xlsx workbook: {exc}") from exc
    if ENTRY_SHEET not in wb.sheetnames or META_SHEET not in wb.sheetnames:
        raise NotAWorkbook(f"not a data-entry template (sheets {ENTRY_SHEET!r} and {META_SHEET!r} are needed)")
    meta = {str(row[0]): row[1] for row in wb[META_SHEET].iter_rows(values_only=True) if row and row[0]}
    index = {key: i for i, (key, _) in enumerate(COLUMNS)}
    exact = number_texts(data, ENTRY_SHEET, COL["value"])
    rows: list[EntryRow] = []
    for number, cells in enumerate(wb[ENTRY_SHEET].iter_rows(min_row=2, values_only=True), start=2):
        cells = list(cells) + [None] * (len(COLUMNS) - len(cells))
        get = lambda key: cells[index[key]]  # noqa: E731, B023  (called in this iteration only)
        if all(c is None or c == "" for c in cells):
            continue
        value = get("value")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and number in exact:
            value = exact[number]
        rows.append(EntryRow(number, get("indicator"), get("part"), get("field"), value, get("comment")))
    wb.close()
    return meta, rows


EXCEL_DIGITS = 15  # Excel keeps, shows and accepts 15 significant digits of a number


def excel_number(text: str) -> Decimal:
    """A number cell's XML text as the decimal the user typed and saw: at most 15 significant digits.

    Writers put the binary double into the XML with up to 17 digits ("99.40000000000001" for 99.4);
    Excel itself only holds 15, so the extra digits are representation noise, not data.
    """
    value = Decimal(text)
    digits = len(value.as_tuple().digits)
    if digits <= EXCEL_DIGITS or not value.is_finite():
        return value
    value = value.quantize(Decimal(1).scaleb(value.adjusted() - EXCEL_DIGITS + 1), rounding=ROUND_HALF_UP)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def number_texts(data: bytes, sheet: str, column: str) -> dict[int, Decimal]:
    """The numeric cells of one column as decimals read from the file's text (row -> value).

    openpyxl hands numbers over as binary floats; a grade must not depend on one, so the number
    cells of the value column are read again from the sheet's XML (see `excel_number`).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rel_id = next(
            (s.get(f"{{{_NS['r']}}}id") for s in workbook.iterfind("m:sheets/m:sheet", _NS) if s.get("name") == sheet),
            None,
        )
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        target = next((r.get("Target") for r in rels.iterfind("rel:Relationship", _NS) if r.get("Id") == rel_id), None)
        if target is None:
            return {}
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        found: dict[int, Decimal] = {}
        with archive.open(path) as xml:
            for _, cell in ElementTree.iterparse(xml):
                if cell.tag != f"{{{_NS['m']}}}c":
                    continue
                ref, text = cell.get("r") or "", cell.findtext("m:v", None, _NS)
                letters = ref.rstrip("0123456789")
                if letters == column and cell.get("t", "n") == "n" and text:  # a formula's cached result too
                    try:
                        found[int(ref[len(letters) :])] = excel_number(text)
                    except (InvalidOperation, ValueError):
                        pass
                cell.clear()
        return found


def build_workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook with one sheet per entry; the first row of each is a bold header."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append([_cell(v) for v in row])
        for cell in ws[1] if rows else ():
            cell.font = Font(bold=True)
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

"""Excel files (.xlsx, openpyxl): the per-unit data-entry template, reading it back, exports.

Only translation between cells and plain rows lives here; what a value means is decided by the
use cases and the scoring rules.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

ENTRY_SHEET = "填报"
META_SHEET = "_meta"
# column letters of the template (the unit fills VALUE and COMMENT)
COLUMNS = [("indicator", "指标编号"), ("part", "分项"), ("name", "指标名称"), ("method", "计分方法"),
           ("max_points", "分值"), ("target", "目标值"), ("field", "填报项"), ("allowed", "可选值"),
           ("value", "填报值"), ("comment", "说明")]
COL = {key: get_column_letter(i + 1) for i, (key, _) in enumerate(COLUMNS)}
_FILL = PatternFill("solid", fgColor="FFF2CC")


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
    """Decimals stay numbers (openpyxl writes them exactly); lists become text."""
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value


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
    rows: list[EntryRow] = []
    for number, cells in enumerate(wb[ENTRY_SHEET].iter_rows(min_row=2, values_only=True), start=2):
        cells = list(cells) + [None] * (len(COLUMNS) - len(cells))
        get = lambda key: cells[index[key]]  # noqa: E731
        if all(c is None or c == "" for c in cells):
            continue
        rows.append(EntryRow(number, get("indicator"), get("part"), get("field"), get("value"), get("comment")))
    wb.close()
    return meta, rows


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

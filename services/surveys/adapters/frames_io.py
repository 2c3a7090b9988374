"""Reading respondent frame files (CSV or XLSX bytes) into numbered rows of text cells.

Row numbers are what a spreadsheet shows: the first record is row 1 (blank rows count). The
header is the first row with a `respondent_id` cell (title rows above it are skipped). CSV is
read as UTF-8 (with or without BOM), falling back to GB18030, which Chinese Excel uses when it
saves CSV. XLSX: the first worksheet, cached values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath

from services.surveys.domain.errors import FrameFileError
from services.surveys.domain.frames import Frame, validate_frame
from services.surveys.domain.model import RESPONDENT_GROUPS

MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class RawTable:
    """A header and numbered rows of stripped text cells, before any validation."""

    header: tuple[str, ...]
    header_row: int
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # phones and ids typed into Excel come back as numbers: 13812345678.0 -> "13812345678"
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def _is_header(cells: list[str]) -> bool:
    return any(c.lstrip("\ufeff").strip().lower() == "respondent_id" for c in cells)


def _table(records: Iterable[tuple[int, list[str]]]) -> RawTable:
    numbered: list[tuple[int, list[str]]] = []
    for number, cells in records:
        if number > MAX_ROWS:
            raise FrameFileError(f"the file has more than {MAX_ROWS} rows")
        while cells and not cells[-1]:
            cells.pop()  # trailing empty cells (spreadsheets pad rows) are not values
        if cells:
            numbered.append((number, cells))
    if not numbered:
        return RawTable((), 1, ())
    # title rows above the header ("白莲镇公众评议样本框") are skipped; without a recognisable
    # header the first non-blank row is taken, so validation reports its missing columns
    at = next((i for i, (_, cells) in enumerate(numbered) if _is_header(cells)), 0)
    header_row, header = numbered[at]
    rows = tuple((number, tuple(cells)) for number, cells in numbered[at + 1 :])
    return RawTable(tuple(header), header_row, rows)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FrameFileError("the CSV file is neither UTF-8 nor GB18030 text") from None


def read_csv(data: bytes) -> RawTable:
    """Split CSV bytes into a header and numbered rows."""
    if b"\x00" in data:
        raise FrameFileError("the CSV file contains NUL bytes (is it really a CSV file?)")
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        return _table((number, [_text(c) for c in record]) for number, record in enumerate(reader, 1))
    except csv.Error as exc:
        raise FrameFileError(f"unreadable CSV near line {reader.line_num}: {exc}") from None


def read_xlsx(data: bytes) -> RawTable:
    """Split the first worksheet of XLSX bytes into a header and numbered rows."""
    import openpyxl  # imported here: only this adapter needs it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file; all mean "unreadable"
        raise FrameFileError(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        if not wb.worksheets:
            raise FrameFileError("the workbook has no worksheet")
        sheet = wb.worksheets[0]
        return _table(
            (number, [_text(c) for c in values]) for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
        )
    finally:
        wb.close()


def read_table(data: bytes, filename: str) -> RawTable:
    """Read CSV or XLSX bytes, chosen by the file name's suffix."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return read_csv(data)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    if suffix == ".xls":
        raise FrameFileError("legacy .xls files are not supported: save the sheet as .xlsx or .csv")
    raise FrameFileError(f"unsupported file type {suffix or '(none)'!r}: expected .csv or .xlsx")


def load_frame(data: bytes, filename: str, strata: Collection[str] = RESPONDENT_GROUPS) -> Frame:
    """Read and validate a frame file; FrameFileError or FrameInvalid when it is not acceptable."""
    table = read_table(data, filename)
    return validate_frame(table.header, table.rows, strata, header_row=table.header_row)

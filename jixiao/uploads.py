"""What an uploaded file may be, for every service: size and media-type limits, a check that the
bytes match the type (sniffing, never the client's word), safe names, attachment headers, and a
zip-bomb check of Excel files before openpyxl parses anything.

Pure (standard library and the kernel's errors): callers pass bytes, storage is an adapter's job.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

from jixiao.errors import FieldProblem, InvalidInput, PayloadTooLarge

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DEFAULT_TYPES = (PDF, JPEG, PNG, XLSX, DOCX)

# The signature every file of a type starts with (Office Open XML files are zip archives).
_MAGIC = {
    PDF: (b"%PDF-",),
    JPEG: (b"\xff\xd8\xff",),
    PNG: (b"\x89PNG\r\n\x1a\n",),
    XLSX: (b"PK\x03\x04",),
    DOCX: (b"PK\x03\x04",),
}
_EXTENSIONS = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".xlsx": XLSX, ".docx": DOCX}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\\"]")
MAX_NAME = 200

# Excel files: limits far above any template or frame, far below what hurts a 2-core service.
XLSX_MAX_MEMBERS = 500
XLSX_MAX_MEMBER_BYTES = 48 << 20  # one part (a sheet, the shared strings), uncompressed
XLSX_MAX_TOTAL_BYTES = 96 << 20  # the whole workbook, uncompressed
XLSX_MAX_RATIO = 100  # uncompressed / compressed, per part over 1 MiB
XLSX_MAX_ROWS = 200_000  # rows of all sheets together (a frame of a county is ~100k)


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    types: frozenset[str]


def media_type(filename: str, declared: str | None) -> str:
    """The media type an upload claims: the declared one, or the one its extension names."""
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    dot = filename.rfind(".")
    return (
        _EXTENSIONS.get(filename[dot:].lower(), declared or "application/octet-stream")
        if dot >= 0
        else (declared or "application/octet-stream")
    )


def clean_filename(filename: str | None) -> str:
    """The name shown and offered on download: no path, no control characters, at most 200 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip()
    if not name or name in (".", ".."):
        raise InvalidInput("the file has no name", problems=[FieldProblem("file", "needs a file name")])
    return name[-MAX_NAME:]


def check_size(size: int, limits: UploadLimits) -> None:
    if size > limits.max_bytes:
        raise PayloadTooLarge(
            f"the file is larger than the limit of {limits.max_bytes} bytes",
            problems=[FieldProblem("file", f"at most {limits.max_bytes} bytes")],
        )
    if size == 0:
        raise InvalidInput("the file is empty", problems=[FieldProblem("file", "is empty")])


def check_upload(filename: str, content_type: str, head: bytes, size: int, limits: UploadLimits) -> None:
    """Refuse a file that is too large, empty, of a type not allowed, or whose bytes are not of its type."""
    check_size(size, limits)
    if content_type not in limits.types:
        allowed = ", ".join(sorted(limits.types))
        raise InvalidInput(
            f"{filename}: files of type {content_type} are not accepted",
            problems=[FieldProblem("file", f"type must be one of {allowed}")],
        )
    magic = _MAGIC.get(content_type)
    if magic and not any(head.startswith(m) for m in magic):
        raise InvalidInput(
            f"{filename}: the content is not a {content_type} file",
            problems=[FieldProblem("file", f"does not start like a {content_type} file")],
        )


def attachment_headers(filename: str, etag: str | None = None) -> dict[str, str]:
    """Headers that make a browser download a stored file, never render it (with a sandboxing CSP)."""
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(clean_filename(filename))}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if etag:
        headers["ETag"] = f'"{etag}"'
    return headers


def _refuse(what: str) -> InvalidInput:
    return InvalidInput(f"the Excel file is not acceptable: {what}", problems=[FieldProblem("file", what)])


def check_xlsx(data: bytes, *, max_rows: int = XLSX_MAX_ROWS) -> None:
    """Refuse an Excel file that would cost too much to open (a zip bomb: too many parts, parts too
    large or too compressed, too many rows) — read from the zip directory and a streamed count of
    `<row` tags, before openpyxl parses anything. Declared sizes bound what zipfile will inflate."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _refuse("not an .xlsx (zip) file") from exc
    with archive:
        members = archive.infolist()
        if len(members) > XLSX_MAX_MEMBERS:
            raise _refuse(f"more than {XLSX_MAX_MEMBERS} parts")
        total = 0
        for m in members:
            total += m.file_size
            if m.file_size > XLSX_MAX_MEMBER_BYTES:
                raise _refuse(f"the part {m.filename[:100]} inflates to more than {XLSX_MAX_MEMBER_BYTES} bytes")
            if m.file_size > (1 << 20) and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
                raise _refuse(f"the part {m.filename[:100]} is compressed more than {XLSX_MAX_RATIO}:1")
        if total > XLSX_MAX_TOTAL_BYTES:
            raise _refuse(f"the parts inflate to more than {XLSX_MAX_TOTAL_BYTES} bytes")
        rows = 0
        for m in members:
            if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml"):
                rows += _count_rows(archive, m)
                if rows > max_rows:
                    raise _refuse(f"more than {max_rows} rows")


def _count_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    count, tail = 0, b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 20):
                block = tail + chunk
                count += block.count(b"<row ") + block.count(b"<row>")
                tail = block[-5:]
                count -= tail.count(b"<row ") + tail.count(b"<row>")  # counted again with the next chunk
            count += tail.count(b"<row ") + tail.count(b"<row>")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise _refuse(f"the part {member.filename[:100]} cannot be read") from exc
    return count

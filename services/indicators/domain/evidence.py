"""What an evidence file may be: size and media-type limits, and a check that the bytes match the type.

Pure: the caller passes the first bytes and the size; storage is an adapter's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import FieldProblem, InvalidInput, PayloadTooLarge

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DEFAULT_TYPES = (PDF, JPEG, PNG, XLSX, DOCX)

# The signature every file of a type starts with (Office Open XML files are zip archives).
_MAGIC = {PDF: (b"%PDF-",), JPEG: (b"\xff\xd8\xff",), PNG: (b"\x89PNG\r\n\x1a\n",),
          XLSX: (b"PK\x03\x04",), DOCX: (b"PK\x03\x04",)}
_EXTENSIONS = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".xlsx": XLSX, ".docx": DOCX}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")
MAX_NAME = 200


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    types: frozenset[str]


def media_type(filename: str, declared: str | None) -> str:
    """The media type of an upload: the declared one, or the one its extension names."""
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    dot = filename.rfind(".")
    return _EXTENSIONS.get(filename[dot:].lower(), declared or "application/octet-stream") if dot >= 0 else (
        declared or "application/octet-stream")


def clean_filename(filename: str | None) -> str:
    """The name shown and offered on download: no path, no control characters, at most 200 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip()
    if not name or name in (".", ".."):
        raise InvalidInput("the file has no name", problems=[FieldProblem("file", "needs a file name")])
    return name[-MAX_NAME:]


def check_size(size: int, limits: UploadLimits) -> None:
    if size > limits.max_bytes:
        raise PayloadTooLarge(f"the file is larger than the limit of {limits.max_bytes} bytes",
                              problems=[FieldProblem("file", f"at most {limits.max_bytes} bytes")])
    if size == 0:
        raise InvalidInput("the file is empty", problems=[FieldProblem("file", "is empty")])


def check_upload(filename: str, content_type: str, head: bytes, size: int, limits: UploadLimits) -> None:
    """Refuse a file that is too large, empty, of a type not allowed, or whose bytes are not of its type."""
    check_size(size, limits)
    if content_type not in limits.types:
        allowed = ", ".join(sorted(limits.types))
        raise InvalidInput(f"{filename}: files of type {content_type} are not accepted",
                           problems=[FieldProblem("file", f"type must be one of {allowed}")])
    magic = _MAGIC.get(content_type)
    if magic and not any(head.startswith(m) for m in magic):
        raise InvalidInput(f"{filename}: the content is not a {content_type} file",
                           problems=[FieldProblem("file", f"does not start like a {content_type} file")])

"""What an evidence file may be: the kernel's upload rules (`jixiao.uploads`), shared with every
service that takes files, so a type is sniffed the same way everywhere.

Pure: the caller passes the first bytes and the size; storage is an adapter's job.
"""

from __future__ import annotations

from jixiao.uploads import (
    DEFAULT_TYPES,
    DOCX,
    JPEG,
    MAX_NAME,
    PDF,
    PNG,
    XLSX,
    UploadLimits,
    check_size,
    check_upload,
    clean_filename,
    media_type,
)

__all__ = [
    "DEFAULT_TYPES",
    "DOCX",
    "JPEG",
    "MAX_NAME",
    "PDF",
    "PNG",
    "XLSX",
    "UploadLimits",
    "check_size",
    "check_upload",
    "clean_filename",
    "media_type",
]

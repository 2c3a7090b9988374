"""Where evidence bytes live: in the `evidence` row itself, or as files under a configured directory."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Protocol

from jixiao.errors import Unavailable
from services.indicators.domain.model import Evidence


class EvidenceStore(Protocol):
    """Keeps the bytes of an evidence record; the row (metadata) is saved by the unit of work."""

    async def put(self, evidence: Evidence, data: bytes) -> None:
        """Attach `data` to `evidence` (sets `data` or `path`) before the row is saved."""

    async def read(self, evidence: Evidence) -> bytes: ...

    async def discard(self, evidence: Evidence) -> None:
        """Forget the bytes of a record that was deleted or never committed."""


class DatabaseEvidenceStore:
    """The bytes go into the row (`data`): one transaction, nothing else to back up."""

    async def put(self, evidence: Evidence, data: bytes) -> None:
        evidence.data = data

    async def read(self, evidence: Evidence) -> bytes:
        if evidence.data is None:
            raise Unavailable(
                f"evidence {evidence.id} is kept in the evidence directory ({evidence.path}), "
                "but JIXIAO_EVIDENCE_DIR is not set"
            )
        return evidence.data

    async def discard(self, evidence: Evidence) -> None:
        return None


class DirectoryEvidenceStore:
    """The bytes go to `<root>/<result id>/<evidence id>`, written to a temporary name and renamed.

    The file is written before the row commits; the caller discards it when the commit fails,
    so a file without a row can only be left by a crash in between (never a row without a file).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, evidence: Evidence) -> Path:
        return self.root / evidence.result_id / evidence.id

    async def put(self, evidence: Evidence, data: bytes) -> None:
        path = self._path(evidence)
        await asyncio.to_thread(_write_atomically, path, data)
        evidence.path = str(path.relative_to(self.root))
        evidence.data = None

    async def read(self, evidence: Evidence) -> bytes:
        if not evidence.path:
            return evidence.data or b""  # stored before a directory was configured
        return await asyncio.to_thread((self.root / evidence.path).read_bytes)

    async def discard(self, evidence: Evidence) -> None:
        if evidence.path:
            await asyncio.to_thread((self.root / evidence.path).unlink, True)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def evidence_store(directory: Path | None) -> EvidenceStore:
    """The store the settings ask for."""
    return DatabaseEvidenceStore() if directory is None else DirectoryEvidenceStore(directory)

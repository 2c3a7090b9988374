"""gRPC clients of the sources' SnapshotService (reconciliation, re-score, resync): the kernel's."""

from __future__ import annotations

from jixiao.snapshots import AbstractSnapshotClient, GrpcSnapshotClient

__all__ = ["AbstractSnapshotClient", "GrpcSnapshotClient"]

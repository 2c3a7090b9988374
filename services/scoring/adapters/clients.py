"""gRPC clients of the sources' SnapshotService (reconciliation and re-score)."""

from __future__ import annotations

import abc
from collections.abc import Callable

import grpc

from jixiao.errors import Unavailable
from jixiao.grpc import channel
from jixiao.messaging.envelope import Envelope
from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc


class AbstractSnapshotClient(abc.ABC):
    """A source's snapshot: every current fact of a plan as envelopes, and its position."""

    source: str

    @abc.abstractmethod
    async def stream(self, plan_id: str, period: str = "") -> list[Envelope]:
        """All envelopes of the source's snapshot of a plan ("" = every period)."""

    @abc.abstractmethod
    async def position(self, plan_id: str) -> int:
        """How many events the source has committed for the plan."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the connection."""


class GrpcSnapshotClient(AbstractSnapshotClient):
    """SnapshotService over gRPC; failures become `Unavailable` (503 / UNAVAILABLE)."""

    def __init__(
        self,
        source: str,
        target: str,
        *,
        timeout: float = 120.0,
        metadata: Callable[[], tuple[tuple[str, str], ...]] = tuple,
    ) -> None:
        self.source = source
        self.target = target
        self.timeout = timeout
        self.metadata = metadata  # called per call: a fresh short-lived token when auth is on
        self._channel = channel(target)
        self._stub = snapshot_pb2_grpc.SnapshotServiceStub(self._channel)

    async def stream(self, plan_id: str, period: str = "") -> list[Envelope]:
        """All envelopes of the source's snapshot of a plan ("" = every period)."""
        request = snapshot_pb2.StreamSnapshotRequest(plan_id=plan_id, period=period)
        try:
            return [
                env async for env in self._stub.StreamSnapshot(request, timeout=self.timeout, metadata=self.metadata())
            ]
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(f"{self.source} snapshot at {self.target}: {exc.code().name}: {exc.details()}") from None

    async def position(self, plan_id: str) -> int:
        try:
            response = await self._stub.GetPosition(
                snapshot_pb2.GetPositionRequest(plan_id=plan_id), timeout=self.timeout, metadata=self.metadata()
            )
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(f"{self.source} position at {self.target}: {exc.code().name}: {exc.details()}") from None
        return int(response.position)

    async def close(self) -> None:
        await self._channel.close()

"""gRPC SnapshotService: the current facts of a plan as envelopes, and the outbox position."""

from __future__ import annotations

import grpc

from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc
from jixiao.runtime import Runtime
from jixiao.snapshots import ListsOutboxPlans
from services.indicators.adapters.snapshot import snapshot


class SnapshotServicer(ListsOutboxPlans, snapshot_pb2_grpc.SnapshotServiceServicer):
    """Streams what the service has published for a plan, latest version of each fact."""

    source = "indicators"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def StreamSnapshot(self, request, context):
        async with self.runtime.db.transaction() as session:
            envelopes = await snapshot(session, request.plan_id, request.period)
        if envelopes is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no published plan {request.plan_id!r}")
        for env in envelopes:
            yield env

    async def GetPosition(self, request, context):
        async with self.runtime.db.transaction() as session:
            position = await self.runtime.outbox.position(session, request.plan_id)
        return snapshot_pb2.GetPositionResponse(position=position, source="indicators")


def registrations(runtime: Runtime) -> list:
    return [(snapshot_pb2_grpc.add_SnapshotServiceServicer_to_server, SnapshotServicer(runtime))]

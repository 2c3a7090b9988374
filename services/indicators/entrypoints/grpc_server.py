"""gRPC SnapshotService: the current facts of a plan as envelopes, the outbox position and the facts' digest."""

from __future__ import annotations

import grpc

from jixiao.proto.snapshot.v1 import snapshot_pb2_grpc
from jixiao.runtime import Runtime
from jixiao.snapshots import ListsOutboxPlans, position_reply
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
        facts = None
        async with self.runtime.db.transaction() as session:
            position = await self.runtime.outbox.position(session, request.plan_id)
            if request.with_facts:  # the facts StreamSnapshot would send (none: the plan is not published)
                facts = await snapshot(session, request.plan_id) or []
        return position_reply("indicators", position, facts)


def registrations(runtime: Runtime) -> list:
    return [(snapshot_pb2_grpc.add_SnapshotServiceServicer_to_server, SnapshotServicer(runtime))]

"""SnapshotService of inspections: every deduction and veto of a plan as the envelopes that were published."""

from __future__ import annotations

import grpc

from jixiao.errors import InvalidInput, JixiaoError
from jixiao.grpc import Registration, abort_with
from jixiao.proto.events.v1 import envelope_pb2
from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc
from jixiao.runtime import Runtime
from jixiao.snapshots import ListsOutboxPlans, position_reply
from services.inspections.service import handlers as h
from services.inspections.service.unit_of_work import SqlAlchemyInspectionsUnitOfWork

SERVICE_NAME = snapshot_pb2.DESCRIPTOR.services_by_name["SnapshotService"].full_name


class InspectionsSnapshot(ListsOutboxPlans, snapshot_pb2_grpc.SnapshotServiceServicer):
    """Deductions (DeductionRecorded, + DeductionRevoked if revoked), then vetoes (VetoIssued, + VetoLifted)."""

    source = "inspections"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def StreamSnapshot(self, request: snapshot_pb2.StreamSnapshotRequest, context: grpc.aio.ServicerContext):
        try:
            try:
                items = await h.snapshot(SqlAlchemyInspectionsUnitOfWork(self.runtime), request.plan_id, request.period)
            except ValueError as exc:
                raise InvalidInput(str(exc)) from exc
        except JixiaoError as exc:
            await abort_with(context, exc)
            return
        for data in items:
            yield envelope_pb2.Envelope.FromString(data)

    async def GetPosition(
        self, request: snapshot_pb2.GetPositionRequest, context: grpc.aio.ServicerContext
    ) -> snapshot_pb2.GetPositionResponse:
        position = await h.position(SqlAlchemyInspectionsUnitOfWork(self.runtime), request.plan_id)
        facts = None
        if request.with_facts:  # the facts StreamSnapshot sends
            items = await h.snapshot(SqlAlchemyInspectionsUnitOfWork(self.runtime), request.plan_id)
            facts = [envelope_pb2.Envelope.FromString(data) for data in items]
        return position_reply("inspections", position, facts)


def registrations(runtime: Runtime) -> list[Registration]:
    return [(snapshot_pb2_grpc.add_SnapshotServiceServicer_to_server, InspectionsSnapshot(runtime))]

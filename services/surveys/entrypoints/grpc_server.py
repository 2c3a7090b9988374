"""gRPC SnapshotService of the surveys service: the current round scores as published envelopes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from jixiao.messaging.envelope import Envelope
from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc
from jixiao.rules.periods import is_period, round_counts
from jixiao.runtime import Runtime
from jixiao.snapshots import ListsOutboxPlans, position_reply
from services.surveys.service.unit_of_work import SqlAlchemySurveysUnitOfWork

SERVICE_NAME = snapshot_pb2.DESCRIPTOR.services_by_name["SnapshotService"].full_name


class SurveysSnapshot(ListsOutboxPlans, snapshot_pb2_grpc.SnapshotServiceServicer):
    """StreamSnapshot: one SurveyScoreUpdated envelope per (unit, round), as last published."""

    source = "surveys"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def StreamSnapshot(self, request: snapshot_pb2.StreamSnapshotRequest, context) -> AsyncIterator[Envelope]:
        if request.period and not is_period(request.period):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"unknown period {request.period!r}")
        async with SqlAlchemySurveysUnitOfWork(self.runtime) as uow:
            periods = {r.round_id: r.period for r in await uow.repo.list_rounds(request.plan_id)}
            scores = await uow.repo.get_scores(request.plan_id)
        for s in scores:
            if request.period and not round_counts(periods.get(s.round_id, "Y"), request.period):
                continue
            yield Envelope.FromString(s.envelope)

    async def GetPosition(self, request: snapshot_pb2.GetPositionRequest, context) -> snapshot_pb2.GetPositionResponse:
        assert self.runtime.outbox is not None
        async with self.runtime.db.transaction() as session:
            position = await self.runtime.outbox.position(session, request.plan_id)
        facts = None
        if request.with_facts:  # the facts StreamSnapshot sends: every round score
            async with SqlAlchemySurveysUnitOfWork(self.runtime) as uow:
                facts = [Envelope.FromString(s.envelope) for s in await uow.repo.get_scores(request.plan_id)]
        return position_reply("surveys", position, facts)


def registrations(runtime: Runtime) -> list:
    return [(snapshot_pb2_grpc.add_SnapshotServiceServicer_to_server, SurveysSnapshot(runtime))]

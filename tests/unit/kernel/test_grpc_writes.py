"""gRPC writes (ClosePeriod, Rescore) need an office token, and the actor is the token's user."""

from __future__ import annotations

import grpc
import pytest

from jixiao.grpc import bearer_metadata, caller, channel, start_server
from jixiao.proto.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from jixiao.testing.auth import SECRET, bearer

pytestmark = pytest.mark.unit


class _Scoring(scoring_pb2_grpc.ScoringServiceServicer):
    def __init__(self) -> None:
        self.actors: list[str] = []

    async def ClosePeriod(self, request, context):
        self.actors.append(caller(request.actor or "grpc"))
        return scoring_pb2.ClosePeriodResponse(snapshot_version=1)

    async def ListScores(self, request, context):
        return scoring_pb2.ListScoresResponse()


async def test_writes_need_an_office_token_and_record_its_user():
    servicer = _Scoring()
    server, port = await start_server(
        0,
        [(scoring_pb2_grpc.add_ScoringServiceServicer_to_server, servicer)],
        token_secret=SECRET,
        revoked=lambda: frozenset(),
    )
    try:
        async with channel(f"127.0.0.1:{port}") as ch:
            stub = scoring_pb2_grpc.ScoringServiceStub(ch)
            system = tuple(bearer("scoring", "system").items())
            await stub.ListScores(scoring_pb2.ListScoresRequest(plan_id="p"), metadata=system, timeout=10)
            with pytest.raises(grpc.aio.AioRpcError) as denied:
                await stub.ClosePeriod(
                    scoring_pb2.ClosePeriodRequest(plan_id="p", actor="x"), metadata=system, timeout=10
                )
            assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
            office = tuple(bearer("县绩效办", "office").items())
            await stub.ClosePeriod(
                scoring_pb2.ClosePeriodRequest(plan_id="p", actor="someone else"), metadata=office, timeout=10
            )
            with pytest.raises(grpc.aio.AioRpcError) as anonymous:
                await stub.ClosePeriod(
                    scoring_pb2.ClosePeriodRequest(plan_id="p"), metadata=bearer_metadata(None), timeout=10
                )
            assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await server.stop(grace=None)
    assert servicer.actors == ["县绩效办"]

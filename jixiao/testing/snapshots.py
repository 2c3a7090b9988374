"""A fake SnapshotService for tests: a real grpc.aio server over in-memory envelopes, and records
as a consumer would read them from Kafka."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jixiao.grpc import start_server
from jixiao.messaging.envelope import Envelope
from jixiao.messaging.topics import TOPIC_OF_SERVICE
from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc
from jixiao.snapshots import position_reply


class FakeSnapshotService(snapshot_pb2_grpc.SnapshotServiceServicer):
    """Serves the current envelopes of one source; tests edit `envelopes` to make corrections."""

    def __init__(self, source: str, envelopes: Iterable[Envelope] = ()) -> None:
        self.source = source
        self.envelopes = list(envelopes)
        self.calls = 0

    async def StreamSnapshot(self, request, context):
        self.calls += 1
        for env in self.envelopes:
            if env.plan_id == request.plan_id:
                yield env

    async def GetPosition(self, request, context):
        envelopes = [env for env in self.envelopes if env.plan_id == request.plan_id]
        return position_reply(self.source, len(envelopes), envelopes if request.with_facts else None)

    async def ListPlans(self, request, context):
        return snapshot_pb2.ListPlansResponse(
            plan_ids=sorted({env.plan_id for env in self.envelopes}), source=self.source
        )


async def serve_fake_snapshot(source: str, envelopes: Iterable[Envelope] = ()):
    """Start a fake SnapshotService on a free port; returns (fake, "127.0.0.1:port", server)."""
    fake = FakeSnapshotService(source, envelopes)
    server, port = await start_server(0, [(snapshot_pb2_grpc.add_SnapshotServiceServicer_to_server, fake)])
    return fake, f"127.0.0.1:{port}", server


@dataclass(frozen=True)
class Record:
    """The fields of a Kafka ConsumerRecord that the consumer's applier reads."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes


def records(envelopes: Iterable[Envelope], offset: int = 0) -> list[Record]:
    """Envelopes as the records of their source's topic (partition 0, consecutive offsets)."""
    return [
        Record(
            TOPIC_OF_SERVICE[e.source],
            0,
            offset + i,
            (e.unit_id or e.plan_id).encode(),
            e.SerializeToString(deterministic=True),
        )
        for i, e in enumerate(envelopes)
    ]

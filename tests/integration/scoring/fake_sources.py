"""A fake SnapshotService (a real grpc.aio server over in-memory envelopes), one port per source."""

from __future__ import annotations

from jixiao.grpc import start_server
from jixiao.messaging.envelope import Envelope
from jixiao.proto.snapshot.v1 import snapshot_pb2_grpc
from jixiao.snapshots import position_reply


class FakeSnapshotService(snapshot_pb2_grpc.SnapshotServiceServicer):
    """Serves the current envelopes of one source; tests edit `envelopes` to make corrections."""

    def __init__(self, source: str, envelopes: list[Envelope] | None = None) -> None:
        self.source = source
        self.envelopes = list(envelopes or [])
        self.calls = 0

    async def StreamSnapshot(self, request, context):
        self.calls += 1
        for env in self.envelopes:
            if env.plan_id == request.plan_id:
                yield env

    async def GetPosition(self, request, context):
        envelopes = [env for env in self.envelopes if env.plan_id == request.plan_id]
        return position_reply(self.source, len(envelopes), envelopes if request.with_facts else None)


async def start_fake_sources(events: dict[str, list[Envelope]]):
    """Start one server per source; returns ({source: fake}, {source: "host:port"}, servers)."""
    fakes, targets, servers = {}, {}, []
    for source in ("indicators", "surveys", "inspections"):
        fake = FakeSnapshotService(source, events.get(source, []))
        server, port = await start_server(0, [(snapshot_pb2_grpc.add_SnapshotServiceServicer_to_server, fake)])
        fakes[source], targets[source] = fake, f"127.0.0.1:{port}"
        servers.append(server)
    return fakes, targets, servers

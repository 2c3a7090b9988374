"""Clients of the sources' SnapshotService, and re-synchronising a consumer from them.

A source service (indicators, surveys, inspections; scoring for jixiao.scores.v1) streams every
current fact of a plan as the envelopes it published, with their versions. Scoring reads them to
reconcile at close and re-score; every consumer reads them after a broker loss (`resync_plans`):
the plans it knows are read again, batch by batch, through the consumer's own idempotent apply
path (versions make a fact seen twice a no-op), so nobody has to act.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any

import grpc
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.errors import Unavailable
from jixiao.fact_digest import digest_envelopes
from jixiao.grpc import bearer_metadata, channel
from jixiao.logging import get_logger
from jixiao.messaging.envelope import Envelope
from jixiao.messaging.inbox import BrokerLoss
from jixiao.messaging.outbox import MessagingTables
from jixiao.messaging.topics import TOPIC_OF_SERVICE
from jixiao.proto.snapshot.v1 import snapshot_pb2, snapshot_pb2_grpc
from jixiao.settings import SnapshotTargets  # noqa: F401  (re-exported)

log = get_logger("jixiao.snapshots")

Metadata = Callable[[], tuple[tuple[str, str], ...]]
SOURCE_OF_TOPIC = {topic: service for service, topic in TOPIC_OF_SERVICE.items()}
RESYNC_CHUNK = 500  # envelopes applied per transaction while re-synchronising


class AbstractSnapshotClient(abc.ABC):
    """A source's snapshot: every current fact of a plan as envelopes, and its position."""

    source: str

    @abc.abstractmethod
    def iterate(self, plan_id: str, period: str = "") -> AsyncIterator[Envelope]:
        """The envelopes of the source's snapshot of a plan as they arrive ("" = every period)."""

    async def stream(self, plan_id: str, period: str = "") -> list[Envelope]:
        """All envelopes of the source's snapshot of a plan ("" = every period)."""
        return [env async for env in self.iterate(plan_id, period)]

    @abc.abstractmethod
    async def position(self, plan_id: str) -> int:
        """How many events the source has committed for the plan."""

    async def plans(self) -> list[str]:
        """Every plan the source has committed an event for (none known: a source that cannot say)."""
        return []

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the connection."""


class GrpcSnapshotClient(AbstractSnapshotClient):
    """SnapshotService over gRPC; failures become `Unavailable` (503 / UNAVAILABLE); a plan the
    source does not know (NOT_FOUND) is an empty snapshot for `iterate`."""

    def __init__(self, source: str, target: str, *, timeout: float = 120.0, metadata: Metadata = tuple) -> None:
        self.source = source
        self.target = target
        self.timeout = timeout
        self.metadata = metadata  # called per call: a fresh short-lived token when auth is on
        self._channel = channel(target)
        self._stub = snapshot_pb2_grpc.SnapshotServiceStub(self._channel)

    async def iterate(self, plan_id: str, period: str = "") -> AsyncIterator[Envelope]:
        request = snapshot_pb2.StreamSnapshotRequest(plan_id=plan_id, period=period)
        try:
            async for env in self._stub.StreamSnapshot(request, timeout=self.timeout, metadata=self.metadata()):
                yield env
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:  # a plan the source never published: no facts
                log.info("snapshot.plan_unknown", source=self.source, plan=plan_id, detail=exc.details())
                return
            raise Unavailable(f"{self.source} snapshot at {self.target}: {exc.code().name}: {exc.details()}") from None

    async def position(self, plan_id: str) -> int:
        try:
            response = await self._stub.GetPosition(
                snapshot_pb2.GetPositionRequest(plan_id=plan_id), timeout=self.timeout, metadata=self.metadata()
            )
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(f"{self.source} position at {self.target}: {exc.code().name}: {exc.details()}") from None
        return int(response.position)

    async def plans(self) -> list[str]:
        try:
            response = await self._stub.ListPlans(
                snapshot_pb2.ListPlansRequest(), timeout=self.timeout, metadata=self.metadata()
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED:  # an older source: only the plans we know
                return []
            raise Unavailable(f"{self.source} plans at {self.target}: {exc.code().name}: {exc.details()}") from None
        return list(response.plan_ids)

    async def close(self) -> None:
        await self._channel.close()


class ListsOutboxPlans:
    """SnapshotService.ListPlans for a servicer with a `runtime`: the plans of its outbox."""

    runtime: Any
    source: str

    async def ListPlans(self, request, context):
        ids: list[str] = []
        if self.runtime is not None and self.runtime.outbox is not None:
            async with self.runtime.db.transaction() as session:
                ids = await self.runtime.outbox.plans(session)
        return snapshot_pb2.ListPlansResponse(plan_ids=ids, source=self.source)


def position_reply(source: str, position: int, facts: Iterable[Envelope] | None = None) -> Any:
    """GetPositionResponse: the events committed, and (asked `with_facts`: the snapshot's envelopes
    given) the digest of the plan's current facts."""
    reply = snapshot_pb2.GetPositionResponse(position=position, source=source)
    if facts is not None:
        digest = digest_envelopes(facts)
        reply.facts.CopyFrom(snapshot_pb2.FactDigest(facts=digest.facts, sha256=digest.sha256))
    return reply


def system_metadata(settings: Any, service: str) -> Metadata:
    """Call metadata for a peer's gRPC: a fresh 10-minute `system` token when auth is on."""
    if not settings.auth_required:
        return tuple
    from jixiao.auth import SYSTEM, issue_token  # auth imports settings only; kept lazy for the CLI

    return lambda: bearer_metadata(issue_token(settings.secret_key, service, [SYSTEM], days=1 / 144))


def grpc_clients(
    targets: Mapping[str, str], *, timeout: float = 120.0, metadata: Metadata = tuple
) -> dict[str, AbstractSnapshotClient]:
    """One GrpcSnapshotClient per configured source."""
    return {s: GrpcSnapshotClient(s, t, timeout=timeout, metadata=metadata) for s, t in targets.items()}


def lost_sources(loss: BrokerLoss) -> set[str]:
    """The sources whose topics lost events (a loss that names no partition: every source)."""
    topics = {tp.topic for tp in loss.partitions}
    if not topics:
        return set(SOURCE_OF_TOPIC.values())
    return {SOURCE_OF_TOPIC[t] for t in topics if t in SOURCE_OF_TOPIC}


async def known_plans(session: AsyncSession, tables: MessagingTables, *extra: sa.Select) -> list[str]:
    """Every plan the consumer has seen an event of (its inbox, pruned counts included), plus the
    plan ids the `extra` selects return (e.g. the service's own plans table), sorted."""
    selects = [
        sa.select(tables.inbox.c.plan_id).distinct(),
        sa.select(tables.inbox_pruned.c.plan_id).distinct(),
        *extra,
    ]
    rows = (await session.execute(sa.union(*selects))).all()
    return sorted({r[0] for r in rows if r[0]})


ApplyChunk = Callable[[AsyncSession, str, str, list[Envelope]], Awaitable[int]]


async def resync_plans(
    db: Any,
    clients: Mapping[str, AbstractSnapshotClient],
    sources: Iterable[str],
    plans: Iterable[str],
    apply_chunk: ApplyChunk,
    *,
    chunk: int = RESYNC_CHUNK,
) -> dict[str, int]:
    """Read every plan's snapshot from each source again and hand it to `apply_chunk(session, source,
    plan_id, envelopes)` `chunk` envelopes per transaction (memory stays bounded by the chunk);
    returns the facts repaired per source (what `apply_chunk` says changed).

    A source without a client is logged and skipped; an unreachable one raises `Unavailable`, so the
    kernel hands the loss again after its backoff (applying twice is a no-op)."""
    plans = list(plans)
    repaired: dict[str, int] = {}
    for source in sorted(sources):
        client = clients.get(source)
        if client is None:
            log.warning("consumer.resync_no_snapshot", source=source, hint=f"set JIXIAO_{source.upper()}_GRPC")
            continue
        repaired[source] = 0
        listed = await client.plans()  # plans whose events this consumer may never have seen
        for plan_id in [*plans, *(p for p in listed if p not in plans)]:
            batch: list[Envelope] = []
            async for env in client.iterate(plan_id):
                batch.append(env)
                if len(batch) >= chunk:
                    repaired[source] += await _apply(db, apply_chunk, source, plan_id, batch)
                    batch = []
            if batch:
                repaired[source] += await _apply(db, apply_chunk, source, plan_id, batch)
    log.info("consumer.resynced", plans=len(plans), repaired=repaired)
    return repaired


async def _apply(db: Any, apply_chunk: ApplyChunk, source: str, plan_id: str, envs: list[Envelope]) -> int:
    async with db.transaction() as session:
        return await apply_chunk(session, source, plan_id, envs)

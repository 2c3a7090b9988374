"""What every service process is made of, assembled by each service's app.py (its composition root)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI

from jixiao import logging as jlog
from jixiao.audit import TABLE as AUDIT_TABLE
from jixiao.audit import audit_table
from jixiao.auth import unit_in_path
from jixiao.db import Database
from jixiao.grpc import Registration, start_server
from jixiao.http import (
    PROBLEM_RESPONSES,
    document_security,
    install_observability,
    install_problem_handlers,
    use_exact_json,
)
from jixiao.messaging.consumer import EventHandler, IdempotentConsumer
from jixiao.messaging.inbox import BatchApplier
from jixiao.messaging.outbox import MessagingTables, Outbox
from jixiao.messaging.relay import OutboxRelay
from jixiao.messaging.topics import TOPIC_OF_SERVICE
from jixiao.metrics import KernelMetrics, kernel_metrics
from jixiao.migrations import migrate
from jixiao.revocation import revoked_ids
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings

log = jlog.get_logger("jixiao.runtime")
_PRUNE_EVERY_S = 600.0


@dataclass
class ServiceParts:
    """A service's pieces; the kernel wires them the same way for every service."""

    name: str
    routers: list[APIRouter]
    tables: MessagingTables
    title: str = ""
    publishes: bool = True  # has an outbox and a relay
    consumes: list[str] = field(default_factory=list)
    handler: Callable[[Runtime], EventHandler] | None = None
    grpc: Callable[[Runtime], list[Registration]] | None = None
    grpc_names: list[str] = field(default_factory=list)
    on_start: Callable[[Runtime], Awaitable[None]] | None = None
    on_stop: Callable[[Runtime], Awaitable[None]] | None = None


class Runtime:
    """The live objects of one service process: settings, database, outbox, relay, consumer, gRPC."""

    def __init__(
        self, parts: ServiceParts, settings: ServiceSettings, database: DatabaseSettings, kafka: KafkaSettings
    ) -> None:
        self.parts = parts
        self.settings = settings
        self.kafka = kafka
        self.metrics: KernelMetrics = kernel_metrics(parts.name)
        self.db = Database(database.database_url, parts.name, pool_size=database.database_pool_size)
        topic = TOPIC_OF_SERVICE.get(parts.name)
        self.outbox = (
            Outbox(
                parts.tables.outbox,
                parts.name,
                topic,
                parts.tables.outbox_pruned,
                max_bytes=kafka.kafka_max_event_bytes,
            )
            if parts.publishes and topic
            else None
        )
        self.relay: OutboxRelay | None = None
        self.consumer: IdempotentConsumer | None = None
        self.grpc_port: int | None = None
        self.extras: dict[str, Any] = {}
        self.revoked_tokens: frozenset[str] = frozenset()  # token ids revoked by the office (jixiao.revocation)
        self.audit: sa.Table | None = None  # the service's audit chain, when its migrations created one
        self._tasks: list[asyncio.Task] = []
        self._grpc_server = None

    def wake_relay(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    async def start(self) -> None:
        if self.settings.migrate:
            await migrate(self.db.url, self.parts.name)
        if not await self.probe_audit_table():  # the database is not reachable yet: keep looking
            self._tasks.append(asyncio.create_task(self._await_audit_table(), name=f"{self.parts.name}-audit"))
        if self.settings.auth_required:
            await self.refresh_revocations()
            self._tasks.append(asyncio.create_task(self._watch_revocations(), name=f"{self.parts.name}-revocations"))
        if self.outbox is not None:
            self.relay = OutboxRelay(
                self.db,
                self.parts.tables.outbox,
                self.kafka,
                self.metrics,
                [self.outbox.topic],
                interval=self.settings.relay_interval_ms / 1000,
            )
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.parts.name}-relay"))
            if self.settings.outbox_retention_hours > 0:
                self._tasks.append(asyncio.create_task(self._prune_outbox(), name=f"{self.parts.name}-prune"))
        if self.parts.consumes and self.parts.handler is not None:
            applier = BatchApplier(
                self.db, self.parts.tables, self.parts.handler(self), self.metrics, after_commit=self.wake_relay
            )
            self.consumer = IdempotentConsumer(
                applier,
                self.kafka,
                self.parts.consumes,
                f"jixiao-{self.parts.name}",
                inbox_retention_hours=self.settings.inbox_retention_hours,
                max_records=self.settings.consumer_max_records,
            )
            self._tasks.append(asyncio.create_task(self.consumer.run(), name=f"{self.parts.name}-consumer"))
        if self.parts.grpc is not None:
            self._grpc_server, self.grpc_port = await start_server(
                self.settings.grpc_port,
                self.parts.grpc(self),
                host=self.settings.grpc_host,
                service_names=self.parts.grpc_names,
                token_secret=self.settings.secret_key if self.settings.auth_required else None,
                revoked=lambda: self.revoked_tokens,
            )
        if self.parts.on_start is not None:
            await self.parts.on_start(self)
        log.info("service.started", grpc_port=self.grpc_port)

    async def probe_audit_table(self) -> bool:
        """Whether this service's schema has the audit chain (then every emitted event appends to it);
        False when the database cannot be asked yet (a service starts before its database answers)."""
        try:
            async with self.db.engine.connect() as conn:
                found = (await conn.execute(sa.text(f"SELECT to_regclass('{AUDIT_TABLE}')"))).scalar()
        except Exception as exc:  # not reachable: /readyz says so; retried in the background
            log.warning("audit.table_unknown", error=f"{type(exc).__name__}: {str(exc)[:200]}")
            return False
        if found is not None:
            self.audit = audit_table(sa.MetaData())
        return True

    async def _await_audit_table(self) -> None:
        while not await self.probe_audit_table():
            await asyncio.sleep(1.0)

    async def refresh_revocations(self) -> None:
        """Re-read the revoked token ids (kept as they were when the database cannot be read)."""
        try:
            self.revoked_tokens = await revoked_ids(self.db.engine)
        except Exception as exc:
            log.warning("auth.revocations_unreadable", error=f"{type(exc).__name__}: {str(exc)[:200]}")

    async def _watch_revocations(self) -> None:
        while True:
            await asyncio.sleep(self.settings.revocation_refresh_s)
            await self.refresh_revocations()

    async def prune_outbox_once(self, now: dt.datetime | None = None) -> int:
        """Delete published outbox rows older than the retention (positions stay counts of all events)."""
        cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(hours=self.settings.outbox_retention_hours)
        total = 0
        while True:
            async with self.db.transaction() as session:
                n = await self.outbox.prune(session, cutoff)
            total += n
            if n == 0:
                return total

    async def _prune_outbox(self) -> None:
        while True:
            try:
                pruned = await self.prune_outbox_once()
                if pruned:
                    log.info("outbox.pruned", events=pruned, retention_hours=self.settings.outbox_retention_hours)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox.prune_retry", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(_PRUNE_EVERY_S)

    async def stop(self) -> None:
        if self.parts.on_stop is not None:
            await self.parts.on_stop(self)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            # Python 3.11's asyncio.wait_for can swallow a cancellation that arrives as its inner
            # wait completes (the relay's wake-up races its stop): cancel again until it is done.
            while not task.done():
                await asyncio.wait([task], timeout=1)
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.relay is not None:
            await self.relay.stop()
        if self.consumer is not None:
            await self.consumer.stop()
        if self._grpc_server is not None:
            await self._grpc_server.stop(grace=1)
        await self.db.dispose()

    async def ready(self) -> dict[str, bool]:
        checks = {"database": await self.db.ping(), "broker": await _reachable(self.kafka.kafka_bootstrap)}
        if self.consumer is not None:
            checks["consumer"] = self.consumer.ready.is_set()
        return checks

    async def pending_events(self) -> int:
        """Outbox rows not yet published (for tests and `--wait`)."""
        t = self.parts.tables.outbox
        async with self.db.transaction() as s:
            return int(
                (
                    await s.execute(sa.select(sa.func.count()).select_from(t).where(t.c.published_at.is_(None)))
                ).scalar_one()
            )


async def _reachable(bootstrap: str) -> bool:
    for part in bootstrap.split(","):
        host, _, port = part.strip().rpartition(":")
        try:
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 2)
        except (OSError, TimeoutError):
            continue
        writer.close()
        return True
    return False


def create_service_app(
    parts: ServiceParts,
    settings: ServiceSettings | None = None,
    database: DatabaseSettings | None = None,
    kafka: KafkaSettings | None = None,
) -> FastAPI:
    """Build a service's FastAPI app: runtime in the lifespan, routers, problems, metrics, health."""
    settings = settings or ServiceSettings(service=parts.name)
    runtime = Runtime(parts, settings, database or DatabaseSettings(), kafka or KafkaSettings())

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=parts.title or f"Jixiao {parts.name}", version="1.0", lifespan=lifespan)
    app.state.runtime = runtime
    install_problem_handlers(app)
    install_observability(app, runtime.metrics, runtime.ready, limit_for=settings.body_limit)
    for router in parts.routers:
        use_exact_json(router)  # one exact-JSON reader for every service's bodies
        app.include_router(router, responses=PROBLEM_RESPONSES, dependencies=[Depends(unit_in_path)])
    document_security(app)
    return app

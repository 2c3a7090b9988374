"""After a broker loss: the read model re-read from the sources' SnapshotService — plans, unit names
and vetoes from indicators and inspections, provisional scores and graded snapshots from scoring."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.errors import JixiaoError
from jixiao.logging import get_logger
from jixiao.messaging.envelope import Envelope
from jixiao.messaging.inbox import BrokerLoss
from jixiao.snapshots import (
    AbstractSnapshotClient,
    SnapshotTargets,
    grpc_clients,
    known_plans,
    lost_sources,
    resync_plans,
    system_metadata,
)
from services.reports.adapters import orm

if TYPE_CHECKING:
    from jixiao.runtime import Runtime
    from services.reports.entrypoints.consumer import ReportsEventHandler

log = get_logger("reports.resync")
SOURCES = ("indicators", "inspections", "scoring")  # the topics reports reads


def snapshot_clients(runtime: Runtime) -> dict[str, AbstractSnapshotClient]:
    """`JIXIAO_INDICATORS_GRPC`, `JIXIAO_INSPECTIONS_GRPC`, `JIXIAO_SCORING_GRPC`, built once per process."""
    clients = runtime.extras.get("snapshot_clients")
    if clients is None:
        targets = SnapshotTargets()
        clients = runtime.extras["snapshot_clients"] = grpc_clients(
            targets.targets(SOURCES),
            timeout=targets.snapshot_timeout_s,
            metadata=system_metadata(runtime.settings, "reports"),
        )
    return clients


async def resync(handler: ReportsEventHandler, loss: BrokerLoss) -> dict[str, int]:
    """Apply every known plan's snapshots through the consumer's own path (latest version wins,
    graded snapshots are immutable), settling the periods they touch chunk by chunk with the period
    rows locked as after a batch; returns the rows repaired per source."""
    runtime = handler.runtime
    sources = lost_sources(loss) & set(SOURCES)
    if runtime is None or not sources:
        return {}
    async with runtime.db.transaction() as session:
        plans = await known_plans(
            session,
            orm.tables,
            sa.select(orm.plan_grades.c.plan_id),
            sa.select(orm.periods.c.plan_id),
        )

    async def apply_chunk(session: AsyncSession, source: str, plan_id: str, envs: list[Envelope]) -> int:
        repaired = 0
        for env in envs:
            try:
                async with session.begin_nested():  # one refused event never undoes the others
                    repaired += int(await handler.apply_counted(session, env))
            except JixiaoError as exc:
                log.warning("reports.resync_refused", event_id=env.event_id, type=env.type, error=str(exc))
        await handler.after_batch(session)  # settle the touched periods (a complete snapshot is shown)
        return repaired

    return await resync_plans(runtime.db, snapshot_clients(runtime), sources, plans, apply_chunk)


async def close_clients(runtime: Runtime) -> None:
    for client in runtime.extras.pop("snapshot_clients", {}).values():
        await client.close()

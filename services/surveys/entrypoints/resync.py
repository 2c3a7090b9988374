"""After a broker loss: the plans and units of jixiao.indicators.v1 read again from indicators' SnapshotService."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.errors import JixiaoError
from jixiao.logging import get_logger
from jixiao.messaging.envelope import Envelope, payload_of
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
from services.surveys.adapters import orm
from services.surveys.service import handlers
from services.surveys.service.unit_of_work import SurveysBatchUnitOfWork

if TYPE_CHECKING:
    from jixiao.runtime import Runtime

log = get_logger("surveys.resync")
PLAN_PUBLISHED = "PlanPublished"
UNIT_UPSERTED = "UnitUpserted"


def snapshot_clients(runtime: Runtime) -> dict[str, AbstractSnapshotClient]:
    """Indicators' SnapshotService (`JIXIAO_INDICATORS_GRPC`), built once per process."""
    clients = runtime.extras.get("snapshot_clients")
    if clients is None:
        targets = SnapshotTargets()
        clients = runtime.extras["snapshot_clients"] = grpc_clients(
            targets.targets(["indicators"]),
            timeout=targets.snapshot_timeout_s,
            metadata=system_metadata(runtime.settings, "surveys"),
        )
    return clients


async def resync(runtime: Runtime, loss: BrokerLoss) -> dict[str, int]:
    """Read every plan surveys knows (its plans and every plan an inbox row names) from indicators'
    snapshot again and apply its PlanPublished and UnitUpserted as the consumer does (a version
    already held is ignored); returns the plans and units repaired."""
    sources = lost_sources(loss) & {"indicators"}
    if not sources:
        return {}
    async with runtime.db.transaction() as session:
        plans = await known_plans(session, orm.messaging, sa.select(orm.plans.c.plan_id))

    async def apply_chunk(session: AsyncSession, source: str, plan_id: str, envs: list[Envelope]) -> int:
        uow = SurveysBatchUnitOfWork(runtime, session)
        repaired = 0
        for env in envs:
            if env.type not in (PLAN_PUBLISHED, UNIT_UPSERTED):
                continue
            try:
                async with session.begin_nested():  # one refused event never undoes the others
                    repaired += await _apply(uow, env)
            except JixiaoError as exc:
                log.warning("surveys.resync_refused", event_id=env.event_id, type=env.type, error=str(exc))
        return repaired

    return await resync_plans(runtime.db, snapshot_clients(runtime), sources, plans, apply_chunk)


async def _apply(uow: SurveysBatchUnitOfWork, env: Envelope) -> int:
    p = payload_of(env)
    if env.type == PLAN_PUBLISHED:
        done = await handlers.apply_plan_published(
            uow, p.plan_id or env.plan_id, p.version or env.aggregate_version, p.plan_json
        )
        return int(done == "applied")
    changed = await handlers.apply_unit_upserted(
        uow, p.plan_id or env.plan_id, p.unit_id or env.unit_id, p.name, p.kind, p.version or env.aggregate_version
    )
    return int(bool(changed))


async def close_clients(runtime: Runtime) -> None:
    for client in runtime.extras.pop("snapshot_clients", {}).values():
        await client.close()

"""The Kafka side of the surveys service: plans and units published by the indicators service.

PlanPublished configures a plan's survey rounds, default strata weights and answer scores (a newer
version replaces them; stored responses are re-scored if they changed); UnitUpserted makes a unit
known to the plan's survey. Every other event of jixiao.indicators.v1 is acknowledged unread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.messaging.inbox import BrokerLoss
from jixiao.proto.events.v1 import indicators_pb2
from services.surveys.entrypoints import resync
from services.surveys.service import handlers
from services.surveys.service.unit_of_work import SurveysBatchUnitOfWork

if TYPE_CHECKING:
    from jixiao.runtime import Runtime

PLAN_PUBLISHED = indicators_pb2.PlanPublished.DESCRIPTOR.name
UNIT_UPSERTED = indicators_pb2.UnitUpserted.DESCRIPTOR.name


class SurveysEventHandler:
    """EventHandler of the kernel's BatchApplier; each event is applied in the batch's transaction."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        """Apply one PlanPublished or UnitUpserted (latest version wins); ignore the rest."""
        if env.type == PLAN_PUBLISHED:
            p = payload_of(env)
            await handlers.apply_plan_published(
                SurveysBatchUnitOfWork(self.runtime, session),
                p.plan_id or env.plan_id,
                p.version or env.aggregate_version,
                p.plan_json,
            )
        elif env.type == UNIT_UPSERTED:
            p = payload_of(env)
            await handlers.apply_unit_upserted(
                SurveysBatchUnitOfWork(self.runtime, session),
                p.plan_id or env.plan_id,
                p.unit_id or env.unit_id,
                p.name,
                p.kind,
                p.version or env.aggregate_version,
            )

    async def after_batch(self, session: AsyncSession) -> None:
        """Nothing is left for the end of a batch: each event re-scores what it changed."""

    async def resync(self, loss: BrokerLoss) -> dict[str, int]:
        """The broker lost indicators events: re-read the plans and units from indicators' snapshot."""
        return await resync.resync(self.runtime, loss)


def make_handler(runtime: Runtime) -> SurveysEventHandler:
    return SurveysEventHandler(runtime)

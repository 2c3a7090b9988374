"""The Kafka side of the indicators service: the staff register published by inspections.

StaffMemberUpserted and StaffMemberRemoved (jixiao.inspections.v1) keep the latest version of each
member, against which the staff ids of tasks' responsibility chains are checked. Every other event of
the topic is acknowledged unread. Names are personal data: nothing of a payload is logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.proto.events.v1 import people_pb2
from services.indicators.service import handlers
from services.indicators.service.unit_of_work import IndicatorsBatchUnitOfWork

if TYPE_CHECKING:
    from jixiao.runtime import Runtime

STAFF_UPSERTED = people_pb2.StaffMemberUpserted.DESCRIPTOR.name
STAFF_REMOVED = people_pb2.StaffMemberRemoved.DESCRIPTOR.name


class IndicatorsEventHandler:
    """EventHandler of the kernel's BatchApplier; each event is applied in the batch's transaction."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        """Apply one StaffMemberUpserted or StaffMemberRemoved (latest version wins); ignore the rest."""
        if env.type not in (STAFF_UPSERTED, STAFF_REMOVED):
            return
        p = payload_of(env)
        await handlers.apply_staff_event(
            IndicatorsBatchUnitOfWork(self.runtime, session),
            p.plan_id or env.plan_id,
            p.staff_id or env.aggregate_id,
            p.unit_id or env.unit_id,
            getattr(p, "name", ""),
            p.version or env.aggregate_version,
            removed=env.type == STAFF_REMOVED,
        )

    async def after_batch(self, session: AsyncSession) -> None:
        """Nothing is left for the end of a batch."""


def make_handler(runtime: Runtime) -> IndicatorsEventHandler:
    return IndicatorsEventHandler(runtime)

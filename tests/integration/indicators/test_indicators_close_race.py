"""Closing a period while a write into it is in flight: the close waits, later writes are refused."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from jixiao.proto.events.v1 import indicators_pb2
from services.indicators.adapters.orm import messaging
from services.indicators.domain.errors import PeriodIsClosed
from services.indicators.service import handlers as h
from services.indicators.service.common import require_open
from services.indicators.service.unit_of_work import SqlAlchemyIndicatorsUnitOfWork

pytestmark = pytest.mark.integration


async def _close_waits_or_is_done(runtime, close: asyncio.Task) -> None:
    """Until the close has finished, or waits for a lock (the write in flight holds the period)."""
    q = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
    )
    while not close.done():
        async with runtime.db.transaction() as s:
            if (await s.execute(q)).scalar_one():
                return
        await asyncio.sleep(0.05)


async def test_a_close_waits_for_the_write_in_flight_and_refuses_the_writes_after_it(app, plan):
    runtime = app.state.runtime
    plan_id = plan["plan"]["id"]
    writer = SqlAlchemyIndicatorsUnitOfWork(runtime)
    async with writer:
        await require_open(writer, plan_id, "Y")  # the write checked: the period is open
        close = asyncio.create_task(h.close_period(SqlAlchemyIndicatorsUnitOfWork(runtime), plan_id, "Y", "office"))
        await _close_waits_or_is_done(runtime, close)
        late = await writer.emit(
            indicators_pb2.UnitUpserted(plan_id=plan_id, unit_id="v01"), plan_id=plan_id, unit_id="v01"
        )
        await writer.commit()
    closed = await close

    t = messaging.outbox
    async with runtime.db.transaction() as s:
        order = list(
            (
                await s.execute(
                    sa.select(t.c.event_id).where(t.c.event_id.in_([late.event_id, closed.event_id])).order_by(t.c.id)
                )
            ).scalars()
        )
    assert order == [late.event_id, closed.event_id], "a write into the period committed after its close"
    with pytest.raises(PeriodIsClosed):
        async with SqlAlchemyIndicatorsUnitOfWork(runtime) as after:
            await require_open(after, plan_id, "Y")

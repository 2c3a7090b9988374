"""For kernel tests: a toy service on the real kernel: widgets created over HTTP, events consumed back into `seen`."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from jixiao.errors import InvalidInput
from jixiao.messaging.consumer import BrokerLoss
from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.messaging.outbox import messaging_tables
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.runtime import Runtime, ServiceParts
from jixiao.uow import SqlAlchemyUnitOfWork

metadata = sa.MetaData()
tables = messaging_tables(metadata)
widgets = sa.Table("widgets", metadata, sa.Column("id", sa.String, primary_key=True), sa.Column("name", sa.String))
seen = sa.Table(
    "seen",
    metadata,
    sa.Column("n", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.String),
    sa.Column("unit_id", sa.String),
    sa.Column("version", sa.Integer),
)

router = APIRouter()


@router.post("/widgets/{wid}")
async def create_widget(wid: str, request: Request) -> dict:
    runtime: Runtime = request.app.state.runtime
    async with SqlAlchemyUnitOfWork(runtime) as uow:
        await uow.session.execute(sa.insert(widgets).values(id=wid, name=wid))
        await uow.emit(indicators_pb2.UnitUpserted(plan_id="p", unit_id=wid, name=wid), plan_id="p", unit_id=wid)
        await uow.commit()
    return {"id": wid}


class SeenHandler:
    """Records every applied event; a UnitUpserted named 'poison' is refused as poison."""

    def __init__(self, _runtime: Runtime | None = None) -> None:
        self.batches = 0
        self.resyncs: list[BrokerLoss] = []

    async def apply(self, session: AsyncSession, env: Envelope) -> None:
        payload = payload_of(env)
        if getattr(payload, "name", "") == "poison":
            raise InvalidInput("poison widget")
        await session.execute(
            sa.insert(seen).values(event_id=env.event_id, unit_id=env.unit_id, version=env.aggregate_version)
        )

    async def after_batch(self, session: AsyncSession) -> None:
        self.batches += 1

    async def resync(self, loss: BrokerLoss) -> None:
        self.resyncs.append(loss)


def parts(consume: bool = True) -> ServiceParts:
    return ServiceParts(
        name="indicators",
        routers=[router],
        tables=tables,
        consumes=["jixiao.indicators.v1"] if consume else [],
        handler=SeenHandler if consume else None,
    )


async def create_schema(url: str, schema: str = "indicators") -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.execute(sa.text(f'SET search_path TO "{schema}"'))
        await conn.run_sync(metadata.create_all)
    await engine.dispose()

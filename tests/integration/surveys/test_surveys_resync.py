"""After a broker loss the surveys consumer re-reads indicators' snapshot by itself: the plan
version and the units the broker lost become known, and a second loss repairs nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from jixiao.messaging.envelope import make_envelope
from jixiao.messaging.inbox import BatchApplier, BrokerLoss
from jixiao.messaging.topics import INDICATORS, SCORES
from jixiao.migrations import migrate
from jixiao.proto.events.v1 import indicators_pb2
from jixiao.rules import exactjson
from jixiao.snapshots import GrpcSnapshotClient
from jixiao.testing.snapshots import records, serve_fake_snapshot
from services.surveys.adapters import orm
from services.surveys.entrypoints.consumer import make_handler

from .conftest import bundle_plan, raw_session

pytestmark = pytest.mark.integration
PLAN = "resync-plan"


def _plan(version: int) -> indicators_pb2.PlanPublished:
    doc = {"plan": bundle_plan(PLAN)["plan"], "indicators": []}
    doc["plan"]["name"] = f"方案 v{version}"
    return indicators_pb2.PlanPublished(plan_id=PLAN, year=2026, version=version, plan_json=exactjson.dumps(doc))


def _env(payload, version: int):
    unit = getattr(payload, "unit_id", "")
    return make_envelope(
        source="indicators",
        payload=payload,
        plan_id=PLAN,
        unit_id=unit,
        aggregate_id=f"unit:{unit}" if unit else PLAN,
        version=version,
    )


def _unit(unit_id: str, version: int = 1):
    return _env(
        indicators_pb2.UnitUpserted(
            plan_id=PLAN, unit_id=unit_id, name=f"{unit_id} 村", kind="village", version=version
        ),
        version,
    )


def _repairs() -> float:
    return REGISTRY.get_sample_value("jixiao_surveys_consumer_resync_repairs_total", {"source": "indicators"}) or 0.0


async def test_a_broker_loss_is_repaired_from_indicators_snapshot(make_app) -> None:
    app = make_app()
    runtime = app.state.runtime
    await migrate(runtime.db.url, "surveys")
    applier = BatchApplier(runtime.db, orm.messaging, make_handler(runtime), runtime.metrics)
    delivered = [_env(_plan(1), 1), _unit("u1")]
    result = _env(
        indicators_pb2.IndicatorResultConfirmed(plan_id=PLAN, unit_id="u2", indicator_id="I1", period="Y", version=1), 1
    )
    current = [_env(_plan(2), 2), _unit("u1"), _unit("u2"), _unit("u3", 4), result]
    fake, target, server = await serve_fake_snapshot("indicators", current)
    runtime.extras["snapshot_clients"] = {"indicators": GrpcSnapshotClient("indicators", target, timeout=10)}
    try:
        await applier.apply(records(delivered))  # then the broker lost the rest: plan v2, u2, u3
        before = _repairs()

        await applier.resync(BrokerLoss("log_replayed", frozenset({TopicPartition(INDICATORS, 0)})))

        async with raw_session(app) as s:
            units = dict((await s.execute(sa.select(orm.units.c.unit_id, orm.units.c.version))).all())
            plan_version = (
                await s.execute(sa.select(orm.plans.c.version).where(orm.plans.c.plan_id == PLAN))
            ).scalar_one()
        assert units == {"u1": 1, "u2": 1, "u3": 4}
        assert plan_version == 2
        assert _repairs() - before == 3  # plan v2, u2, u3 (u1 was held at its version)
        assert fake.calls == 1

        await applier.resync(BrokerLoss("topic_vanished", frozenset({TopicPartition(INDICATORS, 1)}), INDICATORS))
        assert _repairs() - before == 3 and fake.calls == 2  # read again, nothing to repair
        await applier.resync(BrokerLoss("log_shorter", frozenset({TopicPartition(SCORES, 0)})))
        assert fake.calls == 2  # a topic surveys does not read: indicators is not asked
    finally:
        await server.stop(None)
        for client in runtime.extras.pop("snapshot_clients").values():
            await client.close()
        await runtime.db.dispose()


async def test_a_plan_whose_every_event_was_lost_is_found_by_listing_the_source(make_app) -> None:
    """Nothing of the plan ever reached surveys before the broker lost it: resync asks indicators
    which plans it has (ListPlans) and reads this one too."""
    app = make_app()
    runtime = app.state.runtime
    await migrate(runtime.db.url, "surveys")
    applier = BatchApplier(runtime.db, orm.messaging, make_handler(runtime), runtime.metrics)
    fake, target, server = await serve_fake_snapshot("indicators", [_env(_plan(1), 1), _unit("u1"), _unit("u2")])
    runtime.extras["snapshot_clients"] = {"indicators": GrpcSnapshotClient("indicators", target, timeout=10)}
    try:
        assert await runtime.extras["snapshot_clients"]["indicators"].plans() == [PLAN]
        await applier.resync(BrokerLoss("log_replayed", frozenset({TopicPartition(INDICATORS, 0)})))
        async with raw_session(app) as s:
            plans = (await s.execute(sa.select(orm.plans.c.plan_id))).scalars().all()
            units = sorted((await s.execute(sa.select(orm.units.c.unit_id))).scalars().all())
        assert (plans, units) == ([PLAN], ["u1", "u2"])
        assert fake.calls == 1
    finally:
        await server.stop(None)
        for client in runtime.extras.pop("snapshot_clients").values():
            await client.close()
        await runtime.db.dispose()

"""From the indicators service alone to a real scoring consumer through the broker: every confirmed
result arrives exactly once, in its latest version, even when the relay delivers everything twice."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import sqlalchemy as sa

from jixiao.messaging.topics import ALL_TOPICS, ensure_topics
from jixiao.rules import exactjson
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from services.indicators.adapters.orm import messaging as indicators_messaging
from services.indicators.app import create_app as create_indicators
from services.scoring.adapters import orm as scoring_orm
from services.scoring.app import create_app as create_scoring
from services.scoring.settings import ScoringSettings

pytestmark = pytest.mark.integration


async def _until(check, what: str, seconds: float = 60) -> None:
    """Poll `check` (a function returning a bool or an awaitable bool) until true, or fail."""
    for _ in range(int(seconds / 0.2)):
        done = check()
        if await done if asyncio.iscoroutine(done) else done:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _duplicates(app) -> float:
    counter = app.state.runtime.metrics.events_consumed
    return sum(
        sample.value
        for metric in counter.collect()
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels.get("outcome") == "duplicate"
    )


async def test_scoring_sees_every_confirmed_result_once(database_url, broker_bootstrap, part):
    plan_id = f"bailian-{uuid.uuid4().hex[:8]}"  # the session broker is shared: our own plan id
    part["plan"]["id"] = plan_id
    kafka = KafkaSettings(kafka_bootstrap=broker_bootstrap, kafka_partitions=4, kafka_request_timeout_ms=10000)
    await ensure_topics(broker_bootstrap, ALL_TOPICS, 4)
    db = DatabaseSettings(database_url=database_url)
    indicators = create_indicators(ServiceSettings(service="indicators", grpc_port=0, relay_interval_ms=50), db, kafka)
    scoring = create_scoring(ServiceSettings(service="scoring", grpc_port=0), db, kafka, ScoringSettings())
    async with indicators.router.lifespan_context(indicators), scoring.router.lifespan_context(scoring):
        ind = httpx.AsyncClient(transport=httpx.ASGITransport(app=indicators), base_url="http://indicators")
        imported = await ind.post(
            "/v1/import", content=exactjson.dumps(part), headers={"content-type": "application/json"}
        )
        assert imported.status_code == 200, imported.text

        # an assessor corrects one confirmed result: version 2 must replace version 1 downstream
        first = (
            await ind.get(
                f"/v1/plans/{plan_id}/results", params={"status": "confirmed", "indicator": "I1.1", "limit": 1}
            )
        ).json()["items"][0]
        corrected = await ind.post(
            f"/v1/results/{first['id']}/correct",
            json={"assessor": "李四", "actual": "3.5", "reason": "核实台账"},
            headers={"If-Match": f'"{first["revision"]}"'},
        )
        assert corrected.status_code == 200 and corrected.json()["confirmed_version"] == 2

        out = indicators_messaging.outbox
        async with indicators.state.runtime.db.transaction() as s:
            sent = int(
                (
                    await s.execute(sa.select(sa.func.count()).select_from(out).where(out.c.plan_id == plan_id))
                ).scalar_one()
            )
        service = scoring.state.runtime.extras["scoring"]

        async def applied() -> int:
            return (await service.consistency(plan_id))["applied"]["indicators"]

        async def all_applied() -> bool:
            return await applied() == sent

        await _until(all_applied, f"scoring to apply {sent} indicator events")

        async def facts() -> dict[str, tuple[int, object]]:
            r = scoring_orm.results
            async with scoring.state.runtime.db.transaction() as s:
                rows = (
                    await s.execute(
                        sa.select(r.c.result_id, r.c.version, r.c.actual).where(
                            r.c.plan_id == plan_id, r.c.confirmed.is_(True)
                        )
                    )
                ).all()
            return {row.result_id: (row.version, row.actual) for row in rows}

        confirmed = {}
        listing = (await ind.get(f"/v1/plans/{plan_id}/results", params={"status": "confirmed", "limit": 1000})).json()
        for item in listing["items"]:
            confirmed[item["id"]] = item["confirmed_version"]
        assert len(confirmed) == listing["total"] > 100
        seen = await facts()
        assert {rid: v for rid, (v, _) in seen.items()} == confirmed
        assert str(seen[first["id"]][1]) == "3.5"

        # the relay delivers every event of the plan a second time: nothing is applied twice
        before = _duplicates(scoring)
        async with indicators.state.runtime.db.transaction() as s:
            await s.execute(sa.update(out).where(out.c.plan_id == plan_id).values(published_at=None))
        await _until(lambda: _duplicates(scoring) - before >= sent, "the redelivered events")
        assert await applied() == sent
        assert await facts() == seen
        await ind.aclose()

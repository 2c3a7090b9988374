"""The read side of SnapshotService: the current facts of a plan as the envelopes that announced them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope, make_envelope
from services.indicators.adapters import orm
from services.indicators.adapters.repository import SqlAlchemyRepository
from services.indicators.domain import model
from services.indicators.service import events

_CHUNK = 1000


async def snapshot(session: AsyncSession, plan_id: str, period: str = "") -> list[Envelope] | None:
    """Plan, units, targets and the latest confirmed version of every result (of `period`, "" = all).

    Each fact is streamed as the very envelope its outbox row holds (same event id and version);
    None when the plan is unknown or not published.
    """
    plan = await SqlAlchemyRepository(session, orm.plans, model.Plan).get(plan_id)
    if plan is None or not plan.published:
        return None
    units = await SqlAlchemyRepository(session, orm.units, model.Unit).find(plan_id=plan_id)
    targets = await SqlAlchemyRepository(session, orm.targets, model.Target).find(plan_id=plan_id)
    results = [
        r
        for r in await SqlAlchemyRepository(session, orm.results, model.Result).find(
            plan_id=plan_id, period=period or None
        )
        if r.confirmed_version > 0
    ]
    facts = [(plan.event_id, events.plan_published(plan), "", plan.version, plan.id)]
    facts += [(u.event_id, events.unit_upserted(u), u.id, u.version, f"unit:{u.id}") for u in units]
    facts += [
        (t.event_id, events.target_set(t), t.unit_id, t.version, f"target:{t.unit_id}/{t.indicator_id}")
        for t in targets
    ]
    facts += [(r.event_id, events.result_confirmed(r), r.unit_id, r.confirmed_version, r.id) for r in results]
    stored = await _stored_envelopes(session, [f[0] for f in facts if f[0]])
    out: list[Envelope] = []
    for event_id, payload, unit_id, version, aggregate_id in facts:
        env = stored.get(event_id or "")
        if env is None:  # outbox row gone (pruned): rebuild the same fact with its version
            env = make_envelope(
                source="indicators",
                payload=payload,
                plan_id=plan_id,
                unit_id=unit_id,
                aggregate_id=aggregate_id,
                version=version,
            )
        out.append(env)
    return out


async def _stored_envelopes(session: AsyncSession, event_ids: list[str]) -> dict[str, Envelope]:
    t = orm.messaging.outbox
    found: dict[str, Envelope] = {}
    for start in range(0, len(event_ids), _CHUNK):
        rows = await session.execute(
            sa.select(t.c.event_id, t.c.envelope).where(t.c.event_id.in_(event_ids[start : start + _CHUNK]))
        )
        found.update({row.event_id: Envelope.FromString(row.envelope) for row in rows})
    return found

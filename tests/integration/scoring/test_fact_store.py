"""Facts stored a batch at a time equal facts stored one event at a time, on a real PostgreSQL.

The consumer, the reconciliation and the resync hand a whole batch of source events to
`store_changes`; the reference is the same events stored one by one (what the service did before,
one upsert per event). Random histories with duplicates, out-of-order versions, revocations and
lifts before their records, cut into random batches: the fact tables and the units touched must
be the same, and a batch of any size costs a bounded number of statements.
"""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from bundle_events import records

from jixiao.messaging.envelope import Envelope, make_envelope, payload_of
from jixiao.proto.events.v1 import indicators_pb2, inspections_pb2
from services.scoring.adapters import orm
from services.scoring.adapters.repository import SqlAlchemyScoringRepository
from services.scoring.adapters.source_events import apply_events

pytestmark = pytest.mark.integration

UNITS = ("u1", "u2", "u3")


def _env(plan: str, unit: str, aggregate: str, version: int, payload, source: str) -> Envelope:
    return make_envelope(
        source=source, plan_id=plan, unit_id=unit, aggregate_id=aggregate, version=version, payload=payload
    )


def _event(plan: str, unit: str, kind: int, n: int, version: int, rng: random.Random) -> Envelope:
    """One source event of aggregate `n` of a kind: results, targets, deductions, vetoes."""
    if kind == 0:
        r = f"{unit}-r{n}"
        payload = indicators_pb2.IndicatorResultConfirmed(
            plan_id=plan, unit_id=unit, result_id=r, indicator_id="I1", period="Y", confirmed=rng.random() < 0.8,
            points=f"{rng.randint(0, 100)}.{version}", version=version,
        )  # fmt: skip
        return _env(plan, unit, r, version, payload, "indicators")
    if kind == 1:
        payload = indicators_pb2.TargetSet(plan_id=plan, unit_id=unit, indicator_id="I1", target=f"{version}0")
        return _env(plan, unit, f"{unit}/t", version, payload, "indicators")
    if kind == 2:
        d = f"{unit}-d{n}"
        if rng.random() < 0.6:
            payload = inspections_pb2.DeductionRecorded(
                plan_id=plan, unit_id=unit, deduction_id=d, kind="routine", points=f"0.{version}",
                date="2026-05-01", aspect="a" if version % 2 else "", version=version,
            )  # fmt: skip
        else:
            payload = inspections_pb2.DeductionRevoked(
                plan_id=plan, unit_id=unit, deduction_id=d, reason=f"why {version}", version=version
            )
        return _env(plan, unit, d, version, payload, "inspections")
    v = f"{unit}-v{n}"
    if rng.random() < 0.6:
        payload = inspections_pb2.VetoIssued(
            plan_id=plan, unit_id=unit, veto_id=v, category=f"c{version}", date="2026-06-01", version=version
        )
    else:
        payload = inspections_pb2.VetoLifted(plan_id=plan, unit_id=unit, veto_id=v, version=version)
    return _env(plan, unit, v, version, payload, "inspections")


def _history(rng: random.Random, plan: str, n: int) -> list[Envelope]:
    """n events over a few units and facts. As in the sources, a version of an aggregate is one
    change (one content); versions come out of order, and some events come twice (a replay)."""
    out: list[Envelope] = []
    seen: dict[tuple[str, int, int], list[Envelope]] = {}
    while len(out) < n:
        unit, kind, k = rng.choice(UNITS), rng.randrange(4), rng.randint(1, 3)
        events = seen.setdefault((unit, kind, 1 if kind == 1 else k), [])
        if events and rng.random() < 0.25:  # the same change again, under a new event id
            again = rng.choice(events)
            out.append(
                _env(plan, again.unit_id, again.aggregate_id, again.aggregate_version, payload_of(again), again.source)
            )
            continue
        used = {e.aggregate_version for e in events}
        free = [v for v in range(1, 9) if v not in used]
        if free:
            events.append(_event(plan, unit, kind, k, rng.choice(free), rng))
            out.append(events[-1])
    return out


async def _facts(s, plan: str) -> dict[str, list[tuple]]:
    """Every fact row of a plan, without plan id, event id and timestamps, sorted."""
    out = {}
    async with s.runtime.db.transaction() as session:
        for t in (orm.results, orm.targets, orm.deductions, orm.vetoes):
            cols = [c for c in t.c if c.name not in ("plan_id", "event_id", "updated_at")]
            rows = (await session.execute(sa.select(*cols).where(t.c.plan_id == plan))).all()
            out[t.name] = sorted(tuple(r) for r in rows)
    return out


@pytest.mark.parametrize("seed", range(12))
async def test_a_batch_stores_what_one_event_at_a_time_stores(scoring, seed: int) -> None:
    history = _history(random.Random(seed), "batch", 160)
    one_by_one = _history(random.Random(seed), "single", 160)  # the same events, another plan
    rng = random.Random(-seed)
    touched_batch: set[str] = set()
    touched_single: set[str] = set()
    start = 0
    while start < len(history):  # random batch sizes, one transaction each, as the consumer does
        end = start + rng.randint(1, 60)
        async with scoring.runtime.db.transaction() as session:
            repo = SqlAlchemyScoringRepository(session)
            batch = await apply_events(repo, history[start:end])
            touched_batch |= {f"{t.unit_id}@{start}" for t, _ in batch}
            for env in one_by_one[start:end]:
                touched_single |= {f"{t.unit_id}@{start}" for t, _ in await apply_events(repo, [env])}
        start = end
    batch_facts, single_facts = await _facts(scoring, "batch"), await _facts(scoring, "single")
    for table, rows in batch_facts.items():
        assert rows == single_facts[table], (table, set(rows) ^ set(single_facts[table]))
    assert touched_batch == touched_single  # the same units recomputed after each batch


async def test_a_batch_costs_a_few_statements_whatever_its_size(scoring) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement.split()[0])

    engine = scoring.runtime.db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for n in (10, 2_500):
            envs = [
                _env(
                    "size",
                    f"u{i % 50}",
                    f"r{i}",
                    1,
                    indicators_pb2.IndicatorResultConfirmed(
                        plan_id="size",
                        unit_id=f"u{i % 50}",
                        result_id=f"r{n}-{i}",
                        indicator_id="I1",
                        period="Y",
                        confirmed=True,
                        points="1.5",
                        version=1,
                    ),
                    "indicators",
                )
                for i in range(n)
            ]
            statements.clear()
            async with scoring.runtime.db.transaction() as session:
                touched = await apply_events(SqlAlchemyScoringRepository(session), envs)
            assert len(touched) == n
            inserts = [s for s in statements if s.upper() == "INSERT"]
            assert len(inserts) <= -(-n // 1000), (n, len(inserts))  # pages of up to 1,000 rows
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


async def test_an_event_the_database_refuses_is_parked_alone_from_a_batch(scoring) -> None:
    """The facts are written at the end of the batch, so a value the database refuses (an id longer
    than its column) surfaces there: the kernel splits the batch and parks only that event."""
    good = [
        _env("poison", "u1", "u1-d1", 1, _recorded("poison", "u1", "u1-d1"), "inspections"),
        _env("poison", "u2", "u2-d1", 1, _recorded("poison", "u2", "u2-d1"), "inspections"),
    ]
    long_id = "d" * 300  # deductions.deduction_id is String(200)
    bad = _env("poison", "u1", "x", 1, _recorded("poison", "u1", long_id), "inspections")
    outcomes = await scoring.applier.apply(records([good[0], bad, good[1]]))
    assert outcomes == {"applied": 2, "duplicate": 0, "parked": 1}
    async with scoring.runtime.db.transaction() as session:
        t = orm.deductions
        stored = (await session.execute(sa.select(t.c.deduction_id).where(t.c.plan_id == "poison"))).scalars()
        assert sorted(stored) == ["u1-d1", "u2-d1"]


def _recorded(plan: str, unit: str, deduction: str) -> inspections_pb2.DeductionRecorded:
    return inspections_pb2.DeductionRecorded(
        plan_id=plan, unit_id=unit, deduction_id=deduction, kind="routine", points="0.5", date="2026-05-01", version=1
    )

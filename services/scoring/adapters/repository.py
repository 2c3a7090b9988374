"""The scoring store: its port (`AbstractScoringRepository`) and the SQL adapter.

The SQL side upserts facts (latest version wins), takes advisory locks, keeps scores and snapshots.
"""

from __future__ import annotations

import abc
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.inbox import applied_by_source
from services.scoring.adapters import orm
from services.scoring.adapters.fact_store import FactWrite, store_writes
from services.scoring.adapters.facts import FactRows

_UNIT_LOCK_NS = 0x7363  # "sc": advisory-lock namespace of per-unit recomputes
_PERIOD_LOCK_NS = 0x7370  # "sp": advisory-lock namespace of period closes
_PLAN_LOCK_NS = 0x736C  # "sl": recomputes of a plan (shared) against recomputes of all its units (exclusive)
MAX_CLOSE_ATTEMPTS = 10


def _lock_key(*parts: str) -> int:
    return zlib.crc32("\x1f".join(parts).encode()) - 2**31  # a signed int4


class AbstractScoringRepository(abc.ABC):
    """What the scoring use cases store and read; rows are records with the columns of `orm`'s tables."""

    # --- facts ---
    @abc.abstractmethod
    async def store_facts(self, writes: Sequence[FactWrite]) -> list[bool]:
        """Apply source events' writes to the fact tables as if one by one in this order (latest
        version wins; see adapters/fact_store.py); True for each write that changed a stored row."""

    @abc.abstractmethod
    async def plan_row(self, plan_id: str) -> Any | None:
        """The stored plan (plan_id, year, version, plan_json), None before its PlanPublished."""

    @abc.abstractmethod
    async def unit_rows(self, plan_id: str, unit_ids: Iterable[str] | None = None) -> list[Any]:
        """The plan's units (these ones, or all), sorted by unit id."""

    @abc.abstractmethod
    async def plans_mentioning(self, text: str) -> list[Any]:
        """The stored plan rows whose plan JSON contains `text` (a pre-filter; callers parse the plan)."""

    async def group_sizes(self, plan_id: str) -> dict[str, int]:
        """How many units of the plan each ranking group has."""
        counts: dict[str, int] = {}
        for row in await self.unit_rows(plan_id):
            counts[row.group] = counts.get(row.group, 0) + 1
        return counts

    @abc.abstractmethod
    async def fact_rows(self, plan_id: str, unit_ids: Sequence[str]) -> dict[str, FactRows]:
        """The stored facts of these units, grouped by unit."""

    @abc.abstractmethod
    async def result_periods(self, plan_id: str, unit_ids: Sequence[str]) -> dict[str, set[str]]:
        """The periods each unit has results for (progress checks it gets a score in)."""

    # --- locks (held until the transaction ends) ---
    @abc.abstractmethod
    async def lock_units(self, plan_id: str, unit_ids: Iterable[str]) -> None:
        """Serialise recomputes of the same unit across instances."""

    @abc.abstractmethod
    async def lock_plan(self, plan_id: str, *, exclusive: bool) -> None:
        """Order a recompute of every unit (exclusive) against recomputes of some units (shared)."""

    @abc.abstractmethod
    async def lock_period(self, plan_id: str, period: str) -> None:
        """Serialise closes of one period of a plan."""

    # --- current scores and their history ---
    @abc.abstractmethod
    async def current_scores(self, plan_id: str, period: str, unit_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """The current (provisional) score rows of a period, by unit."""

    @abc.abstractmethod
    async def save_scores(self, rows: list[dict[str, Any]]) -> None:
        """Insert or replace units' current scores (one row per unit and period)."""

    @abc.abstractmethod
    async def add_history(self, rows: list[dict[str, Any]]) -> None:
        """Append score versions to the units' history."""

    @abc.abstractmethod
    async def history(self, plan_id: str, unit_id: str, period: str) -> list[Any]:
        """A unit's score versions in a period, oldest first (with `created_at`)."""

    # --- graded snapshots ---
    @abc.abstractmethod
    async def snapshot(self, plan_id: str, period: str, version: int | None = None) -> Any | None:
        """A graded snapshot: the given version, or the latest."""

    @abc.abstractmethod
    async def snapshots(self, plan_id: str, period: str) -> list[Any]:
        """Every graded snapshot of a period, oldest first."""

    @abc.abstractmethod
    async def snapshot_score(self, plan_id: str, period: str, version: int, unit_id: str) -> Any | None:
        """One unit's entry in a graded snapshot."""

    @abc.abstractmethod
    async def add_snapshot(self, snapshot: dict[str, Any], scores: list[dict[str, Any]]) -> None:
        """Store a new graded snapshot and its units' entries."""

    # --- objections (异议) a re-score named, recorded with the next snapshot version ---
    async def name_objections(self, plan_id: str, period: str, objection_ids: Sequence[str], actor: str) -> None:
        """Note objections a re-score or close follows (a redelivery or a second naming changes nothing)."""
        raise NotImplementedError

    async def attach_objections(self, plan_id: str, period: str, version: int) -> list[str]:
        """Give the pending objections to snapshot `version`; returns their ids, sorted."""
        raise NotImplementedError

    async def objections(self, plan_id: str, period: str) -> list[Any]:
        """Every named objection of the period (objection_id, snapshot_version or None), by id."""
        raise NotImplementedError

    # --- close requests (PeriodClosed events waiting for the close worker) ---
    @abc.abstractmethod
    async def request_close(self, plan_id: str, period: str, actor: str) -> None:
        """Queue a close of the period."""

    @abc.abstractmethod
    async def claim_close_request(self) -> Any | None:
        """The oldest request not yet given up on, locked for this transaction (None if none)."""

    @abc.abstractmethod
    async def finish_close_request(self, request_id: int) -> None:
        """Drop a request that was carried out."""

    @abc.abstractmethod
    async def fail_close_request(self, request_id: int, error: str) -> None:
        """Count a failed attempt and keep the error."""

    # --- consistency ---
    @abc.abstractmethod
    async def applied_by_source(self, plan_id: str) -> dict[str, int]:
        """How many events of the plan were applied, per source."""

    # People (评优资格): not abstract, so that a repository without people keeps working.
    async def people_rows(self, plan_id: str) -> list[Any]:
        """The stored people facts of a plan (rows with kind, fact_id, unit_id, data_json)."""
        raise NotImplementedError

    async def person_deduction_rows(self, plan_id: str) -> list[Any]:
        """The plan's active deductions that name a person (rows with person, kind, points, date)."""
        raise NotImplementedError

    async def add_person_eligibility(self, rows: list[dict[str, Any]]) -> None:
        """Store the eligibility rows of a new snapshot."""
        raise NotImplementedError

    async def person_eligibility(self, plan_id: str, period: str, version: int) -> list[Any]:
        """The eligibility rows of one snapshot version, by staff id."""
        raise NotImplementedError


class SqlAlchemyScoringRepository(AbstractScoringRepository):
    """Everything the scoring service stores, on one session (the caller owns the transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- facts ---------------------------------------------------------------------------------

    async def store_facts(self, writes: Sequence[FactWrite]) -> list[bool]:
        return await store_writes(self.session, writes)

    async def people_rows(self, plan_id: str) -> list[Any]:
        t = orm.people_facts
        q = sa.select(t).where(t.c.plan_id == plan_id).order_by(t.c.kind, t.c.fact_id)
        return list((await self.session.execute(q)).all())

    async def person_deduction_rows(self, plan_id: str) -> list[Any]:
        t = orm.deductions
        q = sa.select(t).where(
            t.c.plan_id == plan_id, t.c.person.is_not(None), t.c.recorded.is_(True), t.c.revoked.is_(False)
        )
        return list((await self.session.execute(q.order_by(t.c.person, t.c.deduction_id))).all())

    async def add_person_eligibility(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(sa.insert(orm.person_eligibility), rows)

    async def person_eligibility(self, plan_id: str, period: str, version: int) -> list[Any]:
        t = orm.person_eligibility
        q = sa.select(t).where(t.c.plan_id == plan_id, t.c.period == period, t.c.version == version)
        return list((await self.session.execute(q.order_by(t.c.staff_id))).all())

    async def request_close(self, plan_id: str, period: str, actor: str) -> None:
        await self.session.execute(sa.insert(orm.close_requests).values(plan_id=plan_id, period=period, actor=actor))

    async def plan_row(self, plan_id: str) -> Any | None:
        return (await self.session.execute(sa.select(orm.plans).where(orm.plans.c.plan_id == plan_id))).first()

    async def plans_mentioning(self, text: str) -> list[Any]:
        q = sa.select(orm.plans).where(orm.plans.c.plan_json.contains(text, autoescape=True))
        return list((await self.session.execute(q.order_by(orm.plans.c.plan_id))).all())

    async def unit_rows(self, plan_id: str, unit_ids: Iterable[str] | None = None) -> list[Any]:
        q = sa.select(orm.units).where(orm.units.c.plan_id == plan_id)
        if unit_ids is not None:
            q = q.where(orm.units.c.unit_id.in_(list(unit_ids)))
        return list((await self.session.execute(q.order_by(orm.units.c.unit_id))).all())

    async def group_sizes(self, plan_id: str) -> dict[str, int]:
        t = orm.units
        q = sa.select(t.c.group, sa.func.count()).where(t.c.plan_id == plan_id).group_by(t.c.group)
        return {group: int(n) for group, n in (await self.session.execute(q)).all()}

    async def fact_rows(self, plan_id: str, unit_ids: Sequence[str]) -> dict[str, FactRows]:
        """The stored facts of these units, grouped by unit."""
        grouped: dict[str, dict[str, list]] = {u: {} for u in unit_ids}
        names = {
            "results": orm.results,
            "targets": orm.targets,
            "rounds": orm.survey_rounds,
            "deductions": orm.deductions,
            "vetoes": orm.vetoes,
        }
        for name, table in names.items():
            q = sa.select(table).where(table.c.plan_id == plan_id, table.c.unit_id.in_(list(unit_ids)))
            for row in (await self.session.execute(q)).all():
                grouped[row.unit_id].setdefault(name, []).append(row)
        return {u: FactRows(**parts) for u, parts in grouped.items()}

    async def result_periods(self, plan_id: str, unit_ids: Sequence[str]) -> dict[str, set[str]]:
        """The periods each unit has results for (progress checks it gets a score in)."""
        t = orm.results
        q = sa.select(t.c.unit_id, t.c.period).distinct().where(t.c.plan_id == plan_id, t.c.unit_id.in_(list(unit_ids)))
        out: dict[str, set[str]] = {}
        for unit_id, period in (await self.session.execute(q)).all():
            out.setdefault(unit_id, set()).add(period)
        return out

    # --- locks ----------------------------------------------------------------------------------

    async def lock_units(self, plan_id: str, unit_ids: Iterable[str]) -> None:
        """Serialise recomputes of the same unit across instances (held until commit; sorted: no deadlock)."""
        keys = sorted({_lock_key(plan_id, u) for u in unit_ids})
        for key in keys:
            await self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_UNIT_LOCK_NS, key)))

    async def lock_plan(self, plan_id: str, *, exclusive: bool) -> None:
        """Order a recompute of every unit (a new plan) against recomputes of some units, across instances.

        Taken before the plan and units are read: under READ COMMITTED the reads then see what the
        other side committed, so a unit whose facts arrived while the plan was being published is
        scored by one side or the other, never by neither (or with the older plan after the newer).
        """
        lock = sa.func.pg_advisory_xact_lock if exclusive else sa.func.pg_advisory_xact_lock_shared
        await self.session.execute(sa.select(lock(_PLAN_LOCK_NS, _lock_key(plan_id, ""))))

    async def lock_period(self, plan_id: str, period: str) -> None:
        await self.session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(_PERIOD_LOCK_NS, _lock_key(plan_id, period)))
        )

    # --- current scores ---------------------------------------------------------------------------

    async def current_scores(self, plan_id: str, period: str, unit_ids: Sequence[str] | None = None) -> dict[str, Any]:
        t = orm.unit_scores
        q = sa.select(t).where(t.c.plan_id == plan_id, t.c.period == period)
        if unit_ids is not None:
            q = q.where(t.c.unit_id.in_(list(unit_ids)))
        return {row.unit_id: row for row in (await self.session.execute(q)).all()}

    async def save_scores(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        stmt = pg_insert(orm.unit_scores)
        keys = ["plan_id", "unit_id", "period"]
        set_ = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={**set_, "updated_at": sa.func.now()})
        await self.session.execute(stmt, rows)  # one multi-row statement per 1,000 rows

    async def add_history(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(sa.insert(orm.score_history), rows)

    async def history(self, plan_id: str, unit_id: str, period: str) -> list[Any]:
        t = orm.score_history
        q = sa.select(t).where(t.c.plan_id == plan_id, t.c.unit_id == unit_id, t.c.period == period).order_by(t.c.id)
        return list((await self.session.execute(q)).all())

    # --- graded snapshots ---------------------------------------------------------------------------

    async def snapshot(self, plan_id: str, period: str, version: int | None = None) -> Any | None:
        """A graded snapshot: the given version, or the latest."""
        t = orm.snapshots
        q = sa.select(t).where(t.c.plan_id == plan_id, t.c.period == period)
        q = q.where(t.c.version == version) if version else q.order_by(t.c.version.desc()).limit(1)
        return (await self.session.execute(q)).first()

    async def snapshots(self, plan_id: str, period: str) -> list[Any]:
        t = orm.snapshots
        q = (
            sa.select(
                t.c.plan_id,
                t.c.period,
                t.c.version,
                t.c.created_at,
                t.c.actor,
                t.c.plan_version,
                t.c.units,
                t.c.diff_json,
                t.c.results_sha256,
            )
            .where(t.c.plan_id == plan_id, t.c.period == period)
            .order_by(t.c.version)
        )
        return list((await self.session.execute(q)).all())

    async def snapshot_score(self, plan_id: str, period: str, version: int, unit_id: str) -> Any | None:
        t = orm.snapshot_scores
        q = sa.select(t).where(
            t.c.plan_id == plan_id, t.c.period == period, t.c.version == version, t.c.unit_id == unit_id
        )
        return (await self.session.execute(q)).first()

    async def add_snapshot(self, snapshot: dict[str, Any], scores: list[dict[str, Any]]) -> None:
        await self.session.execute(sa.insert(orm.snapshots).values(**snapshot))
        if scores:
            await self.session.execute(sa.insert(orm.snapshot_scores), scores)

    # --- objections a re-score named --------------------------------------------------------------

    async def name_objections(self, plan_id: str, period: str, objection_ids: Sequence[str], actor: str) -> None:
        if objection_ids:
            await self.session.execute(
                pg_insert(orm.rescore_objections)
                .values(
                    [
                        {"plan_id": plan_id, "period": period, "objection_id": o, "named_by": actor}
                        for o in dict.fromkeys(objection_ids)
                    ]
                )
                .on_conflict_do_nothing()
            )

    async def attach_objections(self, plan_id: str, period: str, version: int) -> list[str]:
        t = orm.rescore_objections
        stmt = (
            sa.update(t)
            .where(t.c.plan_id == plan_id, t.c.period == period, t.c.snapshot_version.is_(None))
            .values(snapshot_version=version)
            .returning(t.c.objection_id)
        )
        return sorted((await self.session.execute(stmt)).scalars().all())

    async def objections(self, plan_id: str, period: str) -> list[Any]:
        t = orm.rescore_objections
        q = sa.select(t).where(t.c.plan_id == plan_id, t.c.period == period).order_by(t.c.objection_id)
        return list((await self.session.execute(q)).all())

    # --- close requests ------------------------------------------------------------------------------

    async def claim_close_request(self) -> Any | None:
        t = orm.close_requests
        q = (
            sa.select(t)
            .where(t.c.attempts < MAX_CLOSE_ATTEMPTS)
            .order_by(t.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(q)).first()

    async def finish_close_request(self, request_id: int) -> None:
        await self.session.execute(sa.delete(orm.close_requests).where(orm.close_requests.c.id == request_id))

    async def fail_close_request(self, request_id: int, error: str) -> None:
        t = orm.close_requests
        await self.session.execute(
            sa.update(t).where(t.c.id == request_id).values(attempts=t.c.attempts + 1, last_error=error[:2000])
        )

    # --- consistency ----------------------------------------------------------------------------------

    async def applied_by_source(self, plan_id: str) -> dict[str, int]:
        """How many events of the plan were applied, per source (inbox rows and the pruned ones)."""
        return await applied_by_source(self.session, orm.messaging, plan_id)

"""The read model in PostgreSQL (the SQL side of `repository.AbstractReadModel`)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.audit import append
from jixiao.auth import caller_var
from jixiao.logging import current_trace_id
from services.reports.adapters import orm
from services.reports.adapters.repository import (
    AbstractReadModel,
    info_of_json,
    info_to_json,
    objection_of,
    score_of,
    score_values,
)
from services.reports.domain.model import (
    GradedScoreReceived,
    Notice,
    Objection,
    PeriodGradedReceived,
    PeriodState,
    PlanLabels,
    PlanPublishedReceived,
    ProvisionalScoreReceived,
    Snapshot,
    UnitScore,
    UnitUpsertedReceived,
    VetoReceived,
    VetoRecord,
)


class SqlAlchemyReadModel(AbstractReadModel):
    """The read model in the `reports` schema, inside the caller's session and transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save_provisional(self, event: ProvisionalScoreReceived) -> bool:
        t = orm.provisional_scores
        values = dict(
            plan_id=event.plan_id,
            period=event.period,
            unit_id=event.score.unit_id,
            version=event.version,
            occurred_at=event.occurred_at,
            **score_values(event.score),
        )
        stmt = pg_insert(t).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.plan_id, t.c.period, t.c.unit_id],
            set_={k: stmt.excluded[k] for k in values if k not in ("plan_id", "period", "unit_id")},
            where=stmt.excluded.version > t.c.version,  # latest wins (domain.rules.supersedes)
        ).returning(t.c.unit_id)
        return (await self.session.execute(stmt)).first() is not None

    async def add_graded(self, event: GradedScoreReceived) -> bool:
        t = orm.graded_scores
        return (
            await self.session.execute(
                pg_insert(t)
                .values(
                    plan_id=event.plan_id,
                    period=event.period,
                    snapshot_version=event.snapshot_version,
                    unit_id=event.score.unit_id,
                    **score_values(event.score),
                )
                .on_conflict_do_nothing()
                .returning(t.c.unit_id)
            )
        ).first() is not None

    async def add_period_graded(self, event: PeriodGradedReceived) -> bool:
        t = orm.snapshots
        return (
            await self.session.execute(
                pg_insert(t)
                .values(
                    plan_id=event.plan_id,
                    period=event.period,
                    snapshot_version=event.snapshot_version,
                    expected_units=event.units,
                    closed_by=event.closed_by,
                    graded_at=event.occurred_at,
                    sha256=event.sha256,
                    objection_ids=json.dumps(list(event.objection_ids)),
                )
                .on_conflict_do_nothing()
                .returning(t.c.plan_id)
            )
        ).first() is not None

    async def _upsert_latest(self, t: sa.Table, keys: list[str], values: dict) -> bool:
        stmt = pg_insert(t).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c[k] for k in keys],
            set_={**{k: stmt.excluded[k] for k in values if k not in keys}, "updated_at": sa.func.now()},
            where=stmt.excluded.version > t.c.version,  # latest wins (domain.rules.supersedes)
        ).returning(t.c.version)
        return (await self.session.execute(stmt)).first() is not None

    async def save_plan_grades(self, event: PlanPublishedReceived) -> bool:
        return await self._upsert_latest(
            orm.plan_grades,
            ["plan_id"],
            dict(plan_id=event.plan_id, version=event.version, grades=event.grades, info=info_to_json(event.info)),
        )

    async def save_unit_name(self, event: UnitUpsertedReceived) -> bool:
        return await self._upsert_latest(
            orm.unit_names,
            ["plan_id", "unit_id"],
            dict(plan_id=event.plan_id, unit_id=event.unit_id, version=event.version, name=event.name),
        )

    async def lock_period(self, plan_id: str, period: str) -> PeriodState:
        t = orm.periods
        await self.session.execute(pg_insert(t).values(plan_id=plan_id, period=period).on_conflict_do_nothing())
        row = (
            await self.session.execute(
                sa.select(t).where(t.c.plan_id == plan_id, t.c.period == period).with_for_update()
            )
        ).one()
        # Under READ COMMITTED the statements after the lock see what the previous holder committed,
        # so of two instances settling the same period the second sees all rows of both.
        await self.session.execute(
            sa.update(t).where(t.c.plan_id == plan_id, t.c.period == period).values(updated_at=sa.func.now())
        )
        return PeriodState(
            plan_id=plan_id,
            period=period,
            current_snapshot=row.current_snapshot,
            graded_at=row.graded_at,
            closed_by=row.closed_by,
            updated_at=row.updated_at,
        )

    async def snapshots(self, plan_id: str, period: str) -> list[Snapshot]:
        g, s = orm.graded_scores, orm.snapshots
        counts = dict(
            (
                await self.session.execute(
                    sa.select(g.c.snapshot_version, sa.func.count())
                    .where(g.c.plan_id == plan_id, g.c.period == period)
                    .group_by(g.c.snapshot_version)
                )
            ).all()
        )
        headers = {
            r.snapshot_version: r
            for r in (
                await self.session.execute(sa.select(s).where(s.c.plan_id == plan_id, s.c.period == period))
            ).all()
        }
        result = []
        for version in sorted(set(counts) | set(headers)):
            h = headers.get(version)
            result.append(
                Snapshot(
                    version=version,
                    expected=h.expected_units if h else None,
                    received=counts.get(version, 0),
                    closed_by=h.closed_by if h else "",
                    graded_at=h.graded_at if h else None,
                    sha256=h.sha256 if h else "",
                    objection_ids=tuple(json.loads(h.objection_ids)) if h else (),
                )
            )
        return result

    async def show_snapshot(self, plan_id: str, period: str, snapshot: Snapshot) -> None:
        s, p = orm.snapshots, orm.periods
        await self.session.execute(
            sa.update(s)
            .where(
                s.c.plan_id == plan_id,
                s.c.period == period,
                s.c.snapshot_version == snapshot.version,
            )
            .values(complete=True)
        )
        await self.session.execute(
            sa.update(p)
            .where(p.c.plan_id == plan_id, p.c.period == period)
            .values(current_snapshot=snapshot.version, graded_at=snapshot.graded_at, closed_by=snapshot.closed_by)
        )

    async def drop_snapshots(self, plan_id: str, period: str, versions: list[int]) -> None:
        if not versions:
            return
        for t in (orm.graded_scores, orm.snapshots):
            await self.session.execute(
                sa.delete(t).where(t.c.plan_id == plan_id, t.c.period == period, t.c.snapshot_version.in_(versions))
            )

    def _period_select(self):
        p, ps = orm.periods, orm.provisional_scores
        has_prov = sa.exists().where(ps.c.plan_id == p.c.plan_id, ps.c.period == p.c.period)
        return sa.select(p, has_prov.label("has_provisional"))

    @staticmethod
    def _period_of(row) -> PeriodState:
        return PeriodState(
            plan_id=row.plan_id,
            period=row.period,
            current_snapshot=row.current_snapshot,
            graded_at=row.graded_at,
            closed_by=row.closed_by,
            has_provisional=row.has_provisional,
            updated_at=row.updated_at,
        )

    async def period(self, plan_id: str, period: str) -> PeriodState | None:
        p = orm.periods
        row = (
            await self.session.execute(self._period_select().where(p.c.plan_id == plan_id, p.c.period == period))
        ).first()
        return self._period_of(row) if row else None

    async def periods(self) -> list[PeriodState]:
        p = orm.periods
        rows = (await self.session.execute(self._period_select().order_by(p.c.plan_id, p.c.period))).all()
        return [self._period_of(r) for r in rows]

    async def provisional_scores(self, plan_id: str, period: str) -> list[UnitScore]:
        t = orm.provisional_scores
        rows = (
            await self.session.execute(
                sa.select(t).where(t.c.plan_id == plan_id, t.c.period == period).order_by(t.c.unit_id)
            )
        ).all()
        return [score_of(r) for r in rows]

    async def graded_scores(self, plan_id: str, period: str, version: int) -> list[UnitScore]:
        t = orm.graded_scores
        rows = (
            await self.session.execute(
                sa.select(t)
                .where(
                    t.c.plan_id == plan_id,
                    t.c.period == period,
                    t.c.snapshot_version == version,
                )
                .order_by(t.c.unit_id)
            )
        ).all()
        return [score_of(r) for r in rows]

    async def labels(self, plan_id: str) -> PlanLabels | None:
        t = orm.plan_labels
        row = (await self.session.execute(sa.select(t).where(t.c.plan_id == plan_id))).first()
        return PlanLabels(plan_id, dict(row.grades), dict(row.units)) if row else None

    async def learned_labels(self, plan_id: str) -> PlanLabels | None:
        g, u = orm.plan_grades, orm.unit_names
        row = (await self.session.execute(sa.select(g.c.grades, g.c.info).where(g.c.plan_id == plan_id))).first()
        names = dict(
            (
                await self.session.execute(
                    sa.select(u.c.unit_id, u.c.name).where(u.c.plan_id == plan_id, u.c.name != "")
                )
            ).all()
        )
        if row is None and not names:
            return None
        return PlanLabels(plan_id, dict(row.grades) if row else {}, names, info_of_json(row.info if row else None))

    async def save_labels(self, labels: PlanLabels) -> None:
        t = orm.plan_labels
        stmt = pg_insert(t).values(plan_id=labels.plan_id, grades=labels.grades, units=labels.units)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.c.plan_id],
                set_={"grades": stmt.excluded.grades, "units": stmt.excluded.units, "updated_at": sa.func.now()},
            )
        )

    async def save_veto(self, event: VetoReceived) -> bool:
        t = orm.vetoes
        values = dict(
            plan_id=event.plan_id,
            veto_id=event.veto_id,
            unit_id=event.unit_id,
            lifted=event.lifted,
            category=event.category,
            date=event.date,
            version=event.version,
        )
        stmt = pg_insert(t).values(**values)
        update = {"lifted": stmt.excluded.lifted, "version": stmt.excluded.version}
        if not event.lifted:  # a lift carries no category or date: keep the issued ones
            update |= {"category": stmt.excluded.category, "date": stmt.excluded.date, "unit_id": stmt.excluded.unit_id}
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.plan_id, t.c.veto_id], set_=update, where=stmt.excluded.version > t.c.version
        ).returning(t.c.version)
        return (await self.session.execute(stmt)).first() is not None

    async def vetoes(self, plan_id: str) -> list[VetoRecord]:
        t = orm.vetoes
        rows = (
            await self.session.execute(
                sa.select(t).where(t.c.plan_id == plan_id).order_by(t.c.unit_id, t.c.date, t.c.veto_id)
            )
        ).all()
        return [VetoRecord(r.unit_id, r.veto_id, r.category, r.date, r.lifted) for r in rows]

    async def notice(self, plan_id: str, period: str, version: int) -> Notice | None:
        t = orm.notices
        r = (
            await self.session.execute(
                sa.select(t).where(t.c.plan_id == plan_id, t.c.period == period, t.c.snapshot_version == version)
            )
        ).first()
        return (
            Notice(r.plan_id, r.period, r.snapshot_version, r.content, r.sha256, r.published_at, r.ends_on.isoformat())
            if r
            else None
        )

    async def save_notice(self, notice: Notice) -> None:
        await self.session.execute(
            pg_insert(orm.notices)
            .values(
                plan_id=notice.plan_id,
                period=notice.period,
                snapshot_version=notice.snapshot_version,
                content=notice.content,
                sha256=notice.sha256,
                published_at=notice.published_at,
                ends_on=datetime.fromisoformat(notice.ends_on).date(),
            )
            .on_conflict_do_nothing()
        )

    async def notice_versions(self, plan_id: str, period: str) -> list[int]:
        t = orm.notices
        return list(
            (
                await self.session.execute(
                    sa.select(t.c.snapshot_version)
                    .where(t.c.plan_id == plan_id, t.c.period == period)
                    .order_by(t.c.snapshot_version)
                )
            ).scalars()
        )

    async def add_objection(self, objection: Objection) -> None:
        await self.session.execute(
            sa.insert(orm.objections).values(
                id=objection.id,
                plan_id=objection.plan_id,
                period=objection.period,
                snapshot_version=objection.snapshot_version,
                unit_id=objection.unit_id,
                text=objection.text,
                filed_by=objection.filed_by,
                filed_at=objection.filed_at,
            )
        )

    async def objection(self, objection_id: str, *, lock: bool = False) -> Objection | None:
        t = orm.objections
        stmt = sa.select(t).where(t.c.id == objection_id)
        row = (await self.session.execute(stmt.with_for_update() if lock else stmt)).first()
        return objection_of(row) if row else None

    async def objections(self, plan_id: str, period: str, version: int) -> list[Objection]:
        t = orm.objections
        rows = (
            await self.session.execute(
                sa.select(t)
                .where(
                    t.c.plan_id == plan_id,
                    t.c.period == period,
                    t.c.snapshot_version == version,
                )
                .order_by(t.c.filed_at, t.c.id)
            )
        ).all()
        return [objection_of(r) for r in rows]

    async def save_answer(self, objection: Objection) -> None:
        t = orm.objections
        await self.session.execute(
            sa.update(t)
            .where(t.c.id == objection.id)
            .values(answer=objection.answer, answered_by=objection.answered_by, answered_at=objection.answered_at)
        )

    async def add_audit(self, actor: str, action: str, plan_id: str, object_id: str, detail: dict) -> None:
        await self.session.execute(
            sa.insert(orm.audit).values(actor=actor, action=action, plan_id=plan_id, object_id=object_id, detail=detail)
        )
        # the same change on the service's hash chain (jixiao.audit), which `jixiao audit verify` checks
        who = caller_var.get()
        role = ",".join(sorted(who.roles)) if who is not None and who.authenticated else ("local" if who else "system")
        await append(
            self.session,
            orm.audit_chain,
            actor=actor,
            role=role,
            action=action,
            entity_type=action.partition(".")[0],
            entity_id=object_id,
            after={"plan_id": plan_id, **detail},
            trace_id=current_trace_id(),
        )

"""The people read model: each person's eligibility per graded snapshot (a port and its SQL adapter)."""

from __future__ import annotations

import abc

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.adapters import orm
from services.reports.domain.people import PersonEligibility


class AbstractPeopleReadModel(abc.ABC):
    @abc.abstractmethod
    async def save(self, row: PersonEligibility) -> None:
        """Keep one person's verdict of one snapshot (a redelivery changes nothing)."""

    @abc.abstractmethod
    async def latest(
        self, plan_id: str, period: str, version: int | None = None
    ) -> tuple[int | None, list[PersonEligibility]]:
        """The verdicts of the given snapshot version, else of the latest one that has any."""


class SqlAlchemyPeopleReadModel(AbstractPeopleReadModel):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, row: PersonEligibility) -> None:
        t = orm.person_eligibility
        await self.session.execute(
            pg_insert(t)
            .values(
                plan_id=row.plan_id,
                period=row.period,
                version=row.version,
                staff_id=row.staff_id,
                unit_id=row.unit_id,
                eligible=row.eligible,
                entry=row.to_dict(),
            )
            .on_conflict_do_nothing()
        )

    async def latest(
        self, plan_id: str, period: str, version: int | None = None
    ) -> tuple[int | None, list[PersonEligibility]]:
        t = orm.person_eligibility
        where = [t.c.plan_id == plan_id, t.c.period == period]
        if version is None:
            version = (await self.session.execute(sa.select(sa.func.max(t.c.version)).where(*where))).scalar_one()
            if version is None:
                return None, []
        rows = (
            (
                await self.session.execute(
                    sa.select(t.c.entry).where(*where, t.c.version == version).order_by(t.c.unit_id, t.c.staff_id)
                )
            )
            .scalars()
            .all()
        )
        return version, [PersonEligibility.of_dict(r) for r in rows]

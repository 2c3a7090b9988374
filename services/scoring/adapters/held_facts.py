"""The facts scoring holds for a plan as (kind, key, version): its fact tables' primary keys (without
plan_id and `confirmed`), confirmed results only — what jixiao.fact_digest compares with the sources."""

from __future__ import annotations

import abc

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.fact_digest import Fact
from services.scoring.adapters import orm

_NOT_KEY = ("plan_id", "confirmed")


def key_columns(table: sa.Table) -> list[str]:
    """The columns of a fact table's key as jixiao.fact_digest writes it."""
    return [c.name for c in table.primary_key.columns if c.name not in _NOT_KEY]


class AbstractHeldFacts(abc.ABC):
    """What scoring holds of a plan's facts, whatever delivered them (Kafka, resync, reconcile)."""

    @abc.abstractmethod
    async def facts(self, plan_id: str) -> list[Fact]:
        """Every held fact of the plan as (kind, key, version)."""


class SqlAlchemyHeldFacts(AbstractHeldFacts):
    """Reads the fact tables on the caller's session (one transaction: one consistent state)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def facts(self, plan_id: str) -> list[Fact]:
        out: list[Fact] = []
        for table in orm.FACT_TABLES:
            keys = key_columns(table)
            query = sa.select(*(table.c[k] for k in keys), table.c.version).where(table.c.plan_id == plan_id)
            if "confirmed" in table.c:
                query = query.where(table.c.confirmed.is_(True))
            for row in await self.session.execute(query):
                out.append((table.name, tuple(str(v) for v in row[:-1]), int(row[-1])))
        return out

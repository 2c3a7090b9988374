"""Survey scores supplied from outside (the county office's own evaluation): the port and its SQL adapter."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.surveys.adapters import orm
from services.surveys.adapters.sql import SessionRepository


@dataclass(frozen=True)
class ExternalScoreRecord:
    """A unit's survey score in one round as the county office entered it: used as the round score."""

    unit_id: str
    round_id: str
    score: Decimal
    source: str
    document: str
    note: str = ""
    entered_by: str = ""

    def as_dict(self) -> dict:
        return {
            "unit": self.unit_id,
            "round": self.round_id,
            "score": format(self.score, "f"),
            "source": self.source,
            "document": self.document,
            "note": self.note,
            "entered_by": self.entered_by,
        }

    def same_content(self, other: ExternalScoreRecord | None) -> bool:
        """The same score, source, document and note (who typed it in does not matter)."""
        return other is not None and (self.score, self.source, self.document, self.note) == (
            other.score,
            other.source,
            other.document,
            other.note,
        )


class AbstractExternalScoreRepository(abc.ABC):
    """External survey scores, one per (plan, unit, round)."""

    @abc.abstractmethod
    async def external_scores(
        self, plan_id: str, *, unit_id: str | None = None, round_id: str | None = None
    ) -> list[ExternalScoreRecord]:
        """A plan's external scores (of one unit and/or round), by unit then round."""

    @abc.abstractmethod
    async def save_external_score(self, plan_id: str, record: ExternalScoreRecord) -> None:
        """Insert or replace the external score of (unit, round)."""

    @abc.abstractmethod
    async def delete_external_score(self, plan_id: str, unit_id: str, round_id: str) -> None: ...


class SqlAlchemyExternalScoreRepository(SessionRepository, AbstractExternalScoreRepository):
    async def external_scores(
        self, plan_id: str, *, unit_id: str | None = None, round_id: str | None = None
    ) -> list[ExternalScoreRecord]:
        t = orm.external_scores
        q = sa.select(t).where(t.c.plan_id == plan_id)
        if unit_id is not None:
            q = q.where(t.c.unit_id == unit_id)
        if round_id is not None:
            q = q.where(t.c.round_id == round_id)
        rows = await self._exec(q.order_by(t.c.unit_id, t.c.round_id))
        return [
            ExternalScoreRecord(r.unit_id, r.round_id, Decimal(r.score), r.source, r.document, r.note, r.entered_by)
            for r in rows
        ]

    async def save_external_score(self, plan_id: str, record: ExternalScoreRecord) -> None:
        t = orm.external_scores
        values = {
            "score": format(record.score, "f"),
            "source": record.source,
            "document": record.document,
            "note": record.note,
            "entered_by": record.entered_by,
        }
        stmt = pg_insert(t).values(plan_id=plan_id, unit_id=record.unit_id, round_id=record.round_id, **values)
        await self._exec(
            stmt.on_conflict_do_update(
                index_elements=[t.c.plan_id, t.c.unit_id, t.c.round_id], set_={**values, "updated_at": sa.func.now()}
            )
        )

    async def delete_external_score(self, plan_id: str, unit_id: str, round_id: str) -> None:
        t = orm.external_scores
        await self._exec(sa.delete(t).where(t.c.plan_id == plan_id, t.c.unit_id == unit_id, t.c.round_id == round_id))

"""Reading one unit's score (`GET …/units/{unit}`): the port, its SQL adapter (one statement, no
transaction) and an adapter over the repository port (the unit tests' fakes).

The answer needs the graded snapshot to read (the latest, or a version), else the unit's current
score and its rank among the final units of its group. The rank is competition ranking by total
(services.scoring.domain.grading.rank_within_groups): 1 + how many final units of the group have a
higher total, so the read counts those (`better`) instead of loading every unit's score.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from jixiao.db import Database
from jixiao.rules.model import FINAL
from services.scoring.adapters import orm
from services.scoring.adapters.repository import AbstractScoringRepository


@dataclass(frozen=True)
class UnitScoreRead:
    """What a unit-score answer is made of. `snapshot_version` is the graded snapshot read (None
    when there is none, none of that version, or the provisional score was asked for): then
    `score_json` and `explanation_json` are the unit's entry in it; otherwise they are the unit's
    current score with its `version`, `status` and `better` (final units of its group with a higher
    total). Both JSON texts are None when the unit has no row there."""

    snapshot_version: int | None
    score_json: str | None = None
    explanation_json: str | None = None
    version: int | None = None
    status: str | None = None
    better: int = 0


class AbstractScoreReads(abc.ABC):
    """The reads of the query side that are too hot to go through a unit of work."""

    @abc.abstractmethod
    async def unit_score(
        self, plan_id: str, period: str, unit_id: str, version: int | None, provisional: bool
    ) -> UnitScoreRead:
        """One unit's score: from snapshot `version` (or the latest) unless `provisional`; the
        current score when there is no snapshot to read and no `version` was asked for (with a
        `version` and nothing graded to read, neither: the caller answers 404)."""


class SqlScoreReads(AbstractScoreReads):
    """One statement on an autocommit connection (Database.reading): no BEGIN/ROLLBACK, and only
    the unit's own rows travel (the JSON texts are passed on as they are stored)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._statement = _unit_score_statement()

    async def unit_score(
        self, plan_id: str, period: str, unit_id: str, version: int | None, provisional: bool
    ) -> UnitScoreRead:
        params = {"plan_id": plan_id, "period": period, "unit_id": unit_id, "version": version or 0}
        params["graded"] = not provisional
        async with self.db.reading() as conn:
            row = (await conn.execute(self._statement, params)).one()
        if row.snapshot_version is not None:
            return UnitScoreRead(row.snapshot_version, row.graded_score_json, row.graded_explanation_json)
        return UnitScoreRead(None, row.score_json, row.explanation_json, row.version, row.status, row.better or 0)


def _unit_score_statement() -> sa.Select:
    """Always one row: the snapshot version read (NULL: none), the unit's entry in it, else (only
    then) the unit's current score and how many final units of its group rank above it."""
    snaps, entries, current = orm.snapshots, orm.snapshot_scores, orm.unit_scores
    plan_id, period, unit_id = sa.bindparam("plan_id"), sa.bindparam("period"), sa.bindparam("unit_id")
    version, graded = sa.bindparam("version", type_=sa.BigInteger), sa.bindparam("graded", type_=sa.Boolean)
    snap = (
        sa.select(sa.func.max(snaps.c.version).label("v"))
        .where(
            graded,
            snaps.c.plan_id == plan_id,
            snaps.c.period == period,
            sa.or_(version == 0, snaps.c.version == version),
        )
        .subquery("snap")
    )
    peers = current.alias("peers")
    better = (
        sa.select(sa.func.count())
        .where(
            peers.c.plan_id == current.c.plan_id,
            peers.c.period == current.c.period,
            peers.c.group == current.c.group,
            peers.c.status == FINAL,
            peers.c.total > current.c.total,
        )
        .scalar_subquery()
    )
    return (
        sa.select(
            snap.c.v.label("snapshot_version"),
            entries.c.score_json.label("graded_score_json"),
            entries.c.explanation_json.label("graded_explanation_json"),
            current.c.version,
            current.c.status,
            current.c.score_json,
            current.c.explanation_json,
            better.label("better"),
        )
        .select_from(snap)
        .outerjoin(
            entries,
            sa.and_(
                entries.c.plan_id == plan_id,
                entries.c.period == period,
                entries.c.version == snap.c.v,
                entries.c.unit_id == unit_id,
            ),
        )
        .outerjoin(
            current,
            sa.and_(
                snap.c.v.is_(None),
                version == 0,
                current.c.plan_id == plan_id,
                current.c.period == period,
                current.c.unit_id == unit_id,
            ),
        )
    )


class RepositoryScoreReads(AbstractScoreReads):
    """The same reads through the repository port, in a unit of work of `uow_factory` (a fake
    store's in the unit tests): several calls, every current score of the period read."""

    def __init__(self, uow_factory: Callable[[], Any]) -> None:
        self.uow_factory = uow_factory

    async def unit_score(
        self, plan_id: str, period: str, unit_id: str, version: int | None, provisional: bool
    ) -> UnitScoreRead:
        async with self.uow_factory() as uow:
            repo: AbstractScoringRepository = uow.repo
            snapshot = None if provisional else await repo.snapshot(plan_id, period, version)
            if snapshot is not None:
                row = await repo.snapshot_score(plan_id, period, snapshot.version, unit_id)
                if row is None:
                    return UnitScoreRead(snapshot.version)
                return UnitScoreRead(snapshot.version, row.score_json, row.explanation_json)
            if version:
                return UnitScoreRead(None)
            rows = await repo.current_scores(plan_id, period)
        row = rows.get(unit_id)
        if row is None:
            return UnitScoreRead(None)
        better = sum(
            1
            for r in rows.values()
            if r.status == FINAL
            and r.group == row.group
            and r.total is not None
            and row.total is not None
            and r.total > row.total
        )
        return UnitScoreRead(None, row.score_json, row.explanation_json, row.version, row.status, better)

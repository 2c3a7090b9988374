"""Plans, their units and strata weights, rounds and questionnaires: the port and its SQL adapter."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.surveys.adapters import orm
from services.surveys.adapters.sql import SessionRepository, plain_decimal
from services.surveys.domain.rounds import AnswerOption, Item, Questionnaire, Round, RoundState


@dataclass(frozen=True)
class PlanRecord:
    """The survey part of a plan as this service keeps it."""

    plan_id: str
    name: str
    year: int
    answer_scores: Mapping[str, Decimal]
    version: int = 0  # the indicators service's plan version last applied (0: only PUT / import)


@dataclass(frozen=True)
class RoundRecord:
    """A round row: its weight, period and state."""

    round_id: str
    weight: Decimal
    period: str
    state: str
    position: int = 0


class AbstractPlanRepository(abc.ABC):
    """A plan's survey part as this service keeps it: plan, units, stratum weights, rounds."""

    @abc.abstractmethod
    async def get_plan(self, plan_id: str) -> PlanRecord | None: ...
    @abc.abstractmethod
    async def save_plan(self, plan: PlanRecord) -> None: ...
    @abc.abstractmethod
    async def unit_ids(self, plan_id: str) -> set[str]: ...
    @abc.abstractmethod
    async def add_units(self, plan_id: str, units: Sequence[tuple[str, str, str]]) -> None: ...
    @abc.abstractmethod
    async def upsert_unit(self, plan_id: str, unit_id: str, name: str, kind: str, version: int) -> bool:
        """Store a unit from a UnitUpserted unless a version at least as new is stored; True if it did."""

    @abc.abstractmethod
    async def stratum_weights(self, plan_id: str) -> dict[str, dict[str, Decimal]]:
        """{'' : plan defaults, unit_id: overrides}."""

    @abc.abstractmethod
    async def set_stratum_weights(
        self, plan_id: str, unit_id: str, weights: Mapping[str, Decimal], *, replace: bool = False
    ) -> None:
        """Upsert weights of a unit ('' = the plan's defaults); `replace` drops the unit's other strata."""

    @abc.abstractmethod
    async def list_rounds(self, plan_id: str) -> list[RoundRecord]: ...
    @abc.abstractmethod
    async def upsert_round(self, plan_id: str, rnd: RoundRecord) -> None: ...
    @abc.abstractmethod
    async def load_round(
        self,
        plan_id: str,
        round_id: str,
        groups: Sequence[str],
        answer_scores: Mapping[str, Decimal],
        *,
        lock: bool = False,
    ) -> Round | None: ...
    @abc.abstractmethod
    async def save_round(self, rnd: Round) -> None:
        """Persist the state and any questionnaire versions not stored yet."""


class SqlAlchemyPlanRepository(SessionRepository, AbstractPlanRepository):
    """Plans, units, strata and rounds on the service's PostgreSQL schema."""

    async def get_plan(self, plan_id: str) -> PlanRecord | None:
        t = orm.plans
        row = (await self._exec(sa.select(t).where(t.c.plan_id == plan_id))).first()
        if row is None:
            return None
        return PlanRecord(
            row.plan_id, row.name, row.year, {k: Decimal(v) for k, v in row.answer_scores.items()}, row.version
        )

    async def save_plan(self, plan: PlanRecord) -> None:
        t = orm.plans
        values = dict(
            plan_id=plan.plan_id,
            name=plan.name,
            year=plan.year,
            answer_scores={k: str(v) for k, v in plan.answer_scores.items()},
            version=plan.version,
        )
        stmt = pg_insert(t).values(**values)
        await self._exec(
            stmt.on_conflict_do_update(
                index_elements=[t.c.plan_id],
                set_={
                    "name": stmt.excluded.name,
                    "year": stmt.excluded.year,
                    "answer_scores": stmt.excluded.answer_scores,
                    "version": sa.func.greatest(t.c.version, stmt.excluded.version),
                    "updated_at": sa.func.now(),
                },
            )
        )

    async def unit_ids(self, plan_id: str) -> set[str]:
        t = orm.units
        return set((await self._exec(sa.select(t.c.unit_id).where(t.c.plan_id == plan_id))).scalars())

    async def add_units(self, plan_id: str, units: Sequence[tuple[str, str, str]]) -> None:
        if not units:
            return
        t = orm.units
        stmt = pg_insert(t).values([dict(plan_id=plan_id, unit_id=u, name=n, kind=k) for u, n, k in units])
        await self._exec(
            stmt.on_conflict_do_update(
                index_elements=[t.c.plan_id, t.c.unit_id], set_={"name": stmt.excluded.name, "kind": stmt.excluded.kind}
            )
        )

    async def upsert_unit(self, plan_id: str, unit_id: str, name: str, kind: str, version: int) -> bool:
        t = orm.units
        stmt = pg_insert(t).values(plan_id=plan_id, unit_id=unit_id, name=name, kind=kind, version=version)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.plan_id, t.c.unit_id],
            set_={"name": stmt.excluded.name, "kind": stmt.excluded.kind, "version": stmt.excluded.version},
            where=t.c.version < stmt.excluded.version,
        ).returning(t.c.unit_id)
        return (await self._exec(stmt)).first() is not None

    async def stratum_weights(self, plan_id: str) -> dict[str, dict[str, Decimal]]:
        t = orm.strata
        out: dict[str, dict[str, Decimal]] = {"": {}}
        for row in await self._exec(sa.select(t).where(t.c.plan_id == plan_id)):
            out.setdefault(row.unit_id, {})[row.stratum] = plain_decimal(row.weight)
        return out

    async def set_stratum_weights(
        self, plan_id: str, unit_id: str, weights: Mapping[str, Decimal], *, replace: bool = False
    ) -> None:
        t = orm.strata
        if replace:
            await self._exec(
                sa.delete(t).where(t.c.plan_id == plan_id, t.c.unit_id == unit_id, t.c.stratum.not_in(list(weights)))
            )
        if not weights:
            return
        stmt = pg_insert(t).values(
            [dict(plan_id=plan_id, unit_id=unit_id, stratum=s, weight=w) for s, w in weights.items()]
        )
        await self._exec(
            stmt.on_conflict_do_update(
                index_elements=[t.c.plan_id, t.c.unit_id, t.c.stratum], set_={"weight": stmt.excluded.weight}
            )
        )

    async def list_rounds(self, plan_id: str) -> list[RoundRecord]:
        t = orm.rounds
        rows = await self._exec(sa.select(t).where(t.c.plan_id == plan_id).order_by(t.c.position, t.c.round_id))
        return [RoundRecord(r.round_id, plain_decimal(r.weight), r.period, r.state, r.position) for r in rows]

    async def upsert_round(self, plan_id: str, rnd: RoundRecord) -> None:
        t = orm.rounds
        stmt = pg_insert(t).values(
            plan_id=plan_id,
            round_id=rnd.round_id,
            weight=rnd.weight,
            period=rnd.period,
            state=rnd.state,
            position=rnd.position,
        )
        await self._exec(
            stmt.on_conflict_do_update(
                index_elements=[t.c.plan_id, t.c.round_id],
                set_={
                    "weight": stmt.excluded.weight,
                    "period": stmt.excluded.period,
                    "position": stmt.excluded.position,
                    "updated_at": sa.func.now(),
                },
            )
        )

    async def load_round(
        self,
        plan_id: str,
        round_id: str,
        groups: Sequence[str],
        answer_scores: Mapping[str, Decimal],
        *,
        lock: bool = False,
    ) -> Round | None:
        t = orm.rounds
        q = sa.select(t).where(t.c.plan_id == plan_id, t.c.round_id == round_id)
        if lock:
            q = q.with_for_update()
        row = (await self._exec(q)).first()
        if row is None:
            return None
        qt = orm.questionnaires
        versions: dict[str, list[Questionnaire]] = {}
        for q_row in await self._exec(
            sa.select(qt).where(qt.c.plan_id == plan_id, qt.c.round_id == round_id).order_by(qt.c.group, qt.c.version)
        ):
            items = tuple(
                Item(
                    i["key"],
                    i["text"],
                    tuple(AnswerOption(o["answer"], o.get("label", ""), Decimal(o["score"])) for o in i["options"]),
                )
                for i in q_row.items
            )
            versions.setdefault(q_row.group, []).append(Questionnaire(round_id, q_row.group, q_row.version, items))
        all_groups = tuple(dict.fromkeys([*groups, *versions]))
        return Round(
            row.round_id,
            plan_id,
            plain_decimal(row.weight),
            row.period,
            all_groups,
            dict(answer_scores),
            RoundState(row.state),
            versions,
        )

    async def save_round(self, rnd: Round) -> None:
        t = orm.rounds
        await self._exec(
            sa.update(t)
            .where(t.c.plan_id == rnd.plan_id, t.c.round_id == rnd.id)
            .values(state=rnd.state.value, updated_at=sa.func.now())
        )
        qt = orm.questionnaires
        stored = {
            (r[0], r[1])
            for r in await self._exec(
                sa.select(qt.c.group, qt.c.version).where(qt.c.plan_id == rnd.plan_id, qt.c.round_id == rnd.id)
            )
        }
        new = [q for qs in rnd.questionnaires.values() for q in qs if (q.group, q.version) not in stored]
        if new:
            await self._exec(
                sa.insert(qt).values(
                    [
                        dict(
                            plan_id=rnd.plan_id,
                            round_id=rnd.id,
                            group=q.group,
                            version=q.version,
                            items=[
                                {
                                    "key": i.key,
                                    "text": i.text,
                                    "options": [
                                        {"answer": o.answer, "label": o.label, "score": str(o.score)} for o in i.options
                                    ],
                                }
                                for i in q.items
                            ],
                        )
                        for q in new
                    ]
                )
            )

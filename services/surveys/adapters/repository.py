"""Persistence of the surveys service: the port (`AbstractSurveysRepository`) and its SQL adapter."""

from __future__ import annotations

import abc
import uuid
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.surveys.adapters import orm
from services.surveys.domain.model import Interview, Mode, Outcome, RespondentStatus, SampledRespondent
from services.surveys.domain.rounds import AnswerOption, Item, Questionnaire, Round, RoundState
from services.surveys.domain.sampling import FrameKey

# --- records the service layer exchanges with the repository ------------------------------------


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


class ResponseRow(NamedTuple):
    """One response as stored (answers in item order, None = not answered); a tuple: cheap in bulk."""

    response_id: str
    unit_id: str
    round_id: str
    stratum: str
    mode: str
    answers: tuple[str | None, ...]


AggregateKey = tuple[str, str, str, str]  # (unit, round, stratum, score key)
KeysOf = Callable[[Sequence[ResponseRow]], list[str]]  # the aggregate key (r) of each row


@dataclass(frozen=True)
class InsertOutcome:
    """What an idempotent bulk insert did: accepted rows and ids already stored with other content."""

    accepted: list[ResponseRow]
    unchanged: int
    differing: list[str]


@dataclass(frozen=True)
class ScoreRecord:
    """The current published score of one unit in one round."""

    unit_id: str
    round_id: str
    version: int
    score: str
    se: str
    responses: int
    strata: list[dict]
    envelope: bytes = b""


@dataclass(frozen=True)
class FrameRecord:
    """A stored respondent frame (its personal data stays encrypted in `respondents`)."""

    frame_id: str
    plan_id: str
    round_id: str
    unit_id: str
    sha256: str
    respondents: int
    strata_sizes: dict[str, int]
    filename: str = ""


@dataclass(frozen=True)
class EncryptedRespondent:
    """A frame member with its personal data as PiiCipher tokens."""

    respondent_id: str
    stratum: str
    name_enc: str
    phone_enc: str
    address_enc: str
    row: int = 0


@dataclass(frozen=True)
class SampleRecord:
    """Everything needed to re-draw a unit's sample: algorithm, seed, frame hash, allocation."""

    plan_id: str
    round_id: str
    unit_id: str
    frame_id: str
    algorithm: str
    seed: int
    frame_sha256: str
    allocation: str
    size: int
    sds: dict[str, str] | None
    reserve_rate: Decimal
    allocated: dict[str, int]


@dataclass
class FieldworkState:
    """The stored working sample and interviews of one unit in one round."""

    members: list[SampledRespondent] = field(default_factory=list)
    interviews: list[Interview] = field(default_factory=list)


class AbstractSurveysRepository(abc.ABC):
    """The port the handlers use; `SqlAlchemySurveysRepository` in production, a fake in unit tests."""

    # plans, units, strata, rounds
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
    async def set_stratum_weights(self, plan_id: str, unit_id: str, weights: Mapping[str, Decimal],
                                  *, replace: bool = False) -> None:
        """Upsert weights of a unit ('' = the plan's defaults); `replace` drops the unit's other strata."""
    @abc.abstractmethod
    async def list_rounds(self, plan_id: str) -> list[RoundRecord]: ...
    @abc.abstractmethod
    async def upsert_round(self, plan_id: str, rnd: RoundRecord) -> None: ...
    @abc.abstractmethod
    async def load_round(self, plan_id: str, round_id: str, groups: Sequence[str],
                         answer_scores: Mapping[str, Decimal], *, lock: bool = False) -> Round | None: ...
    @abc.abstractmethod
    async def save_round(self, rnd: Round) -> None:
        """Persist the state and any questionnaire versions not stored yet."""

    # responses, their aggregates and scores
    @abc.abstractmethod
    async def lock_plan_scores(self, plan_id: str) -> None:
        """Serialise, until the transaction ends, every use case that changes a plan's responses or scores."""
    @abc.abstractmethod
    async def insert_responses(self, plan_id: str, rows: Sequence[ResponseRow], keys_of: KeysOf,
                               source: str = "import") -> InsertOutcome:
        """Idempotent bulk insert by response id (first delivery wins); adds each accepted row to the
        aggregate of its (unit, round, stratum) under its key (`keys_of(accepted)`), in the same
        transaction, so a re-delivered id never counts twice."""
    @abc.abstractmethod
    async def responses_of(self, plan_id: str, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[ResponseRow]]:
        """The stored responses of (unit, round) pairs (the from-scratch input; checks and tests)."""
    @abc.abstractmethod
    def scan_responses(self, plan_id: str) -> AsyncIterator[list[ResponseRow]]:
        """Every stored response of a plan, in chunks (re-aggregation after an answer-score change)."""
    @abc.abstractmethod
    async def answers_in_use(self, plan_id: str) -> set[str]:
        """Every answer code the stored responses of a plan use ("no_answer" included, unanswered items not)."""
    @abc.abstractmethod
    async def aggregates_of(self, plan_id: str, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, dict[str, int]]]:
        """{(unit, round): {stratum: {score key: responses}}} of the given pairs (every pair present)."""
    @abc.abstractmethod
    async def replace_aggregates(self, plan_id: str, counts: Mapping[AggregateKey, int]) -> None:
        """Replace all of a plan's aggregates (after its answer scores changed)."""
    @abc.abstractmethod
    async def scored_strata(self, plan_id: str) -> set[tuple[str, str]]:
        """(unit, stratum) pairs with at least one counted (scored) response in some round."""
    @abc.abstractmethod
    async def unit_rounds_with_responses(self, plan_id: str) -> set[tuple[str, str]]: ...
    @abc.abstractmethod
    async def get_scores(self, plan_id: str, *, unit_id: str | None = None, round_id: str | None = None) -> list[ScoreRecord]: ...
    @abc.abstractmethod
    async def save_score(self, plan_id: str, score: ScoreRecord) -> None: ...

    # frames, samples, fieldwork
    @abc.abstractmethod
    async def current_frame(self, plan_id: str, round_id: str, unit_id: str) -> FrameRecord | None: ...
    @abc.abstractmethod
    async def replace_frame(self, frame: FrameRecord, members: Sequence[EncryptedRespondent]) -> None: ...
    @abc.abstractmethod
    async def frame_keys(self, frame_id: str) -> list[FrameKey]: ...
    @abc.abstractmethod
    async def frame_members(self, frame_id: str, respondent_ids: Iterable[str]) -> list[EncryptedRespondent]: ...
    @abc.abstractmethod
    async def get_sample(self, plan_id: str, round_id: str, unit_id: str, *, lock: bool = False) -> SampleRecord | None: ...
    @abc.abstractmethod
    async def save_sample(self, sample: SampleRecord) -> None: ...
    @abc.abstractmethod
    async def load_fieldwork(self, plan_id: str, round_id: str, unit_id: str) -> FieldworkState: ...
    @abc.abstractmethod
    async def save_fieldwork(self, plan_id: str, round_id: str, unit_id: str, state: FieldworkState,
                             new_interviews: Sequence[Interview]) -> None: ...
    @abc.abstractmethod
    async def assignments_of(self, plan_id: str, interviewer: str) -> list[tuple[str, str, str, str, str]]:
        """(round_id, unit_id, respondent_id, stratum, status) assigned to an interviewer."""


_LOCK_NAMESPACE = 0x5376  # "Sv": advisory locks of a plan's responses, aggregates and scores


def _dec(value: Decimal) -> Decimal:
    # Numeric(38, 18) pads with zeros; normalise so '0.10' and '0.1' compare and print alike
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


class SqlAlchemySurveysRepository(AbstractSurveysRepository):
    """The repository on the service's PostgreSQL schema."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _exec(self, stmt):
        return await self.session.execute(stmt)

    # plans, units, strata, rounds

    async def get_plan(self, plan_id: str) -> PlanRecord | None:
        t = orm.plans
        row = (await self._exec(sa.select(t).where(t.c.plan_id == plan_id))).first()
        if row is None:
            return None
        return PlanRecord(row.plan_id, row.name, row.year, {k: Decimal(v) for k, v in row.answer_scores.items()},
                          row.version)

    async def save_plan(self, plan: PlanRecord) -> None:
        t = orm.plans
        values = dict(plan_id=plan.plan_id, name=plan.name, year=plan.year,
                      answer_scores={k: str(v) for k, v in plan.answer_scores.items()}, version=plan.version)
        stmt = pg_insert(t).values(**values)
        await self._exec(stmt.on_conflict_do_update(
            index_elements=[t.c.plan_id],
            set_={"name": stmt.excluded.name, "year": stmt.excluded.year,
                  "answer_scores": stmt.excluded.answer_scores,
                  "version": sa.func.greatest(t.c.version, stmt.excluded.version), "updated_at": sa.func.now()}))

    async def unit_ids(self, plan_id: str) -> set[str]:
        t = orm.units
        return set((await self._exec(sa.select(t.c.unit_id).where(t.c.plan_id == plan_id))).scalars())

    async def add_units(self, plan_id: str, units: Sequence[tuple[str, str, str]]) -> None:
        if not units:
            return
        t = orm.units
        stmt = pg_insert(t).values([dict(plan_id=plan_id, unit_id=u, name=n, kind=k) for u, n, k in units])
        await self._exec(stmt.on_conflict_do_update(
            index_elements=[t.c.plan_id, t.c.unit_id],
            set_={"name": stmt.excluded.name, "kind": stmt.excluded.kind}))

    async def upsert_unit(self, plan_id: str, unit_id: str, name: str, kind: str, version: int) -> bool:
        t = orm.units
        stmt = pg_insert(t).values(plan_id=plan_id, unit_id=unit_id, name=name, kind=kind, version=version)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.plan_id, t.c.unit_id],
            set_={"name": stmt.excluded.name, "kind": stmt.excluded.kind, "version": stmt.excluded.version},
            where=t.c.version < stmt.excluded.version).returning(t.c.unit_id)
        return (await self._exec(stmt)).first() is not None

    async def stratum_weights(self, plan_id: str) -> dict[str, dict[str, Decimal]]:
        t = orm.strata
        out: dict[str, dict[str, Decimal]] = {"": {}}
        for row in await self._exec(sa.select(t).where(t.c.plan_id == plan_id)):
            out.setdefault(row.unit_id, {})[row.stratum] = _dec(row.weight)
        return out

    async def set_stratum_weights(self, plan_id: str, unit_id: str, weights: Mapping[str, Decimal],
                                  *, replace: bool = False) -> None:
        t = orm.strata
        if replace:
            await self._exec(sa.delete(t).where(t.c.plan_id == plan_id, t.c.unit_id == unit_id,
                                                t.c.stratum.not_in(list(weights))))
        if not weights:
            return
        stmt = pg_insert(t).values([dict(plan_id=plan_id, unit_id=unit_id, stratum=s, weight=w)
                                    for s, w in weights.items()])
        await self._exec(stmt.on_conflict_do_update(
            index_elements=[t.c.plan_id, t.c.unit_id, t.c.stratum], set_={"weight": stmt.excluded.weight}))

    async def list_rounds(self, plan_id: str) -> list[RoundRecord]:
        t = orm.rounds
        rows = await self._exec(sa.select(t).where(t.c.plan_id == plan_id).order_by(t.c.position, t.c.round_id))
        return [RoundRecord(r.round_id, _dec(r.weight), r.period, r.state, r.position) for r in rows]

    async def upsert_round(self, plan_id: str, rnd: RoundRecord) -> None:
        t = orm.rounds
        stmt = pg_insert(t).values(plan_id=plan_id, round_id=rnd.round_id, weight=rnd.weight,
                                   period=rnd.period, state=rnd.state, position=rnd.position)
        await self._exec(stmt.on_conflict_do_update(
            index_elements=[t.c.plan_id, t.c.round_id],
            set_={"weight": stmt.excluded.weight, "period": stmt.excluded.period,
                  "position": stmt.excluded.position, "updated_at": sa.func.now()}))

    async def load_round(self, plan_id: str, round_id: str, groups: Sequence[str],
                         answer_scores: Mapping[str, Decimal], *, lock: bool = False) -> Round | None:
        t = orm.rounds
        q = sa.select(t).where(t.c.plan_id == plan_id, t.c.round_id == round_id)
        if lock:
            q = q.with_for_update()
        row = (await self._exec(q)).first()
        if row is None:
            return None
        qt = orm.questionnaires
        versions: dict[str, list[Questionnaire]] = {}
        for q_row in await self._exec(sa.select(qt).where(qt.c.plan_id == plan_id, qt.c.round_id == round_id)
                                      .order_by(qt.c.group, qt.c.version)):
            items = tuple(Item(i["key"], i["text"], tuple(AnswerOption(o["answer"], o.get("label", ""),
                                                                     Decimal(o["score"])) for o in i["options"]))
                          for i in q_row.items)
            versions.setdefault(q_row.group, []).append(Questionnaire(round_id, q_row.group, q_row.version, items))
        all_groups = tuple(dict.fromkeys([*groups, *versions]))
        return Round(row.round_id, plan_id, _dec(row.weight), row.period, all_groups, dict(answer_scores),
                     RoundState(row.state), versions)

    async def save_round(self, rnd: Round) -> None:
        t = orm.rounds
        await self._exec(sa.update(t).where(t.c.plan_id == rnd.plan_id, t.c.round_id == rnd.id)
                         .values(state=rnd.state.value, updated_at=sa.func.now()))
        qt = orm.questionnaires
        stored = {(r[0], r[1]) for r in await self._exec(sa.select(qt.c.group, qt.c.version).where(
            qt.c.plan_id == rnd.plan_id, qt.c.round_id == rnd.id))}
        new = [q for qs in rnd.questionnaires.values() for q in qs if (q.group, q.version) not in stored]
        if new:
            await self._exec(sa.insert(qt).values([dict(
                plan_id=rnd.plan_id, round_id=rnd.id, group=q.group, version=q.version,
                items=[{"key": i.key, "text": i.text,
                        "options": [{"answer": o.answer, "label": o.label, "score": str(o.score)} for o in i.options]}
                       for i in q.items]) for q in new]))

    # responses and scores

    async def _asyncpg(self):
        """The asyncpg connection of this session, inside the session's transaction."""
        conn = await self.session.connection()
        pg = (await conn.get_raw_connection()).driver_connection
        if not pg.is_in_transaction():
            # SQLAlchemy begins on the driver lazily, at its first statement: begin now, or raw
            # statements (COPY, the staging table, cursors) would each commit on their own
            await conn.exec_driver_sql("SELECT 1")
        return pg

    async def lock_plan_scores(self, plan_id: str) -> None:
        # through the session, not the raw connection: the driver begins its transaction lazily, and
        # a transaction-scoped lock taken before that would be released at once
        await self._exec(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_NAMESPACE, zlib.crc32(plan_id.encode()) - 2**31)))

    async def insert_responses(self, plan_id: str, rows: Sequence[ResponseRow], keys_of: KeysOf,
                               source: str = "import") -> InsertOutcome:
        """Look up which ids are stored, COPY the new rows straight into `responses` (first delivery
        of an id wins), then add them to their aggregates: a re-delivered id adds nothing, so
        nothing counts twice. The plan's lock keeps any other writer out between look-up and COPY."""
        if not rows:
            return InsertOutcome([], 0, [])
        await self.lock_plan_scores(plan_id)
        pg = await self._asyncpg()
        known = {rec[0]: ResponseRow(rec[0], rec[1], rec[2], rec[3], rec[4], tuple(rec[5])) for rec in await pg.fetch(
            "SELECT response_id, unit_id, round_id, stratum, mode, answers FROM responses"
            " WHERE plan_id = $1 AND response_id = ANY($2::text[])", plan_id, [r.response_id for r in rows])}
        accepted: list[ResponseRow] = []
        differing: list[str] = []
        unchanged = 0
        for r in rows:
            old = known.get(r.response_id)
            if old is None:
                known[r.response_id] = r
                accepted.append(r)
            elif old == r:
                unchanged += 1
            else:
                differing.append(r.response_id)
        if accepted:
            await pg.copy_records_to_table(
                "responses", records=[(plan_id, r.response_id, r.unit_id, r.round_id, r.stratum, r.mode,
                                       list(r.answers), source) for r in accepted],
                columns=["plan_id", "response_id", "unit_id", "round_id", "stratum", "mode", "answers", "source"])
        counts: dict[AggregateKey, int] = {}
        for r, key in zip(accepted, keys_of(accepted), strict=True):
            agg = (r.unit_id, r.round_id, r.stratum, key)
            counts[agg] = counts.get(agg, 0) + 1
        await self._add_aggregates(pg, plan_id, counts)
        return InsertOutcome(accepted, unchanged, sorted(differing))

    async def _add_aggregates(self, pg, plan_id: str, counts: Mapping[AggregateKey, int]) -> None:
        if not counts:
            return
        keys = sorted(counts)  # one lock order for every writer
        await pg.execute(
            "INSERT INTO response_aggregates AS a (plan_id, unit_id, round_id, stratum, score, responses)"
            " SELECT $1, u, r, s, k, n FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])"
            " AS t(u, r, s, k, n)"
            " ON CONFLICT (plan_id, unit_id, round_id, stratum, score)"
            " DO UPDATE SET responses = a.responses + EXCLUDED.responses",
            plan_id, [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], [k[3] for k in keys],
            [counts[k] for k in keys])

    async def replace_aggregates(self, plan_id: str, counts: Mapping[AggregateKey, int]) -> None:
        pg = await self._asyncpg()
        await pg.execute("DELETE FROM response_aggregates WHERE plan_id = $1", plan_id)
        await self._add_aggregates(pg, plan_id, counts)

    async def aggregates_of(self, plan_id: str, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, dict[str, int]]]:
        pairs = sorted(set(pairs))
        out: dict[tuple[str, str], dict[str, dict[str, int]]] = {p: {} for p in pairs}
        if not pairs:
            return out
        pg = await self._asyncpg()
        for unit_id, round_id, stratum, key, n in await pg.fetch(
                "SELECT a.unit_id, a.round_id, a.stratum, a.score, a.responses FROM response_aggregates a"
                " JOIN unnest($2::text[], $3::text[]) AS p(unit_id, round_id)"
                " ON a.unit_id = p.unit_id AND a.round_id = p.round_id WHERE a.plan_id = $1 AND a.responses > 0",
                plan_id, [p[0] for p in pairs], [p[1] for p in pairs]):
            out[(unit_id, round_id)].setdefault(stratum, {})[key] = n
        return out

    async def scored_strata(self, plan_id: str) -> set[tuple[str, str]]:
        pg = await self._asyncpg()
        return {(r[0], r[1]) for r in await pg.fetch(
            "SELECT DISTINCT unit_id, stratum FROM response_aggregates WHERE plan_id = $1 AND score <> ''"
            " AND responses > 0", plan_id)}

    async def unit_rounds_with_responses(self, plan_id: str) -> set[tuple[str, str]]:
        pg = await self._asyncpg()
        return {(r[0], r[1]) for r in await pg.fetch(
            "SELECT DISTINCT unit_id, round_id FROM response_aggregates WHERE plan_id = $1 AND responses > 0",
            plan_id)}

    async def answers_in_use(self, plan_id: str) -> set[str]:
        pg = await self._asyncpg()
        return {r[0] for r in await pg.fetch(
            "SELECT DISTINCT a FROM responses, unnest(answers) AS a WHERE plan_id = $1 AND a IS NOT NULL", plan_id)}

    async def scan_responses(self, plan_id: str) -> AsyncIterator[list[ResponseRow]]:
        pg = await self._asyncpg()
        chunk: list[ResponseRow] = []
        async for rec in pg.cursor("SELECT response_id, unit_id, round_id, stratum, mode, answers FROM responses"
                                   " WHERE plan_id = $1", plan_id, prefetch=10_000):
            chunk.append(ResponseRow(rec[0], rec[1], rec[2], rec[3], rec[4], tuple(rec[5])))
            if len(chunk) >= 10_000:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    async def responses_of(self, plan_id: str, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[ResponseRow]]:
        pairs = sorted(set(pairs))
        out: dict[tuple[str, str], list[ResponseRow]] = {p: [] for p in pairs}
        if not pairs:
            return out
        pg = await self._asyncpg()
        records = await pg.fetch(
            "SELECT r.response_id, r.unit_id, r.round_id, r.stratum, r.mode, r.answers FROM responses r"
            " JOIN unnest($2::text[], $3::text[]) AS p(unit_id, round_id)"
            " ON r.unit_id = p.unit_id AND r.round_id = p.round_id WHERE r.plan_id = $1",
            plan_id, [p[0] for p in pairs], [p[1] for p in pairs])
        for rec in records:
            out[(rec[1], rec[2])].append(ResponseRow(rec[0], rec[1], rec[2], rec[3], rec[4], tuple(rec[5])))
        return out

    async def get_scores(self, plan_id: str, *, unit_id: str | None = None, round_id: str | None = None) -> list[ScoreRecord]:
        t = orm.round_scores
        q = sa.select(t).where(t.c.plan_id == plan_id)
        if unit_id is not None:
            q = q.where(t.c.unit_id == unit_id)
        if round_id is not None:
            q = q.where(t.c.round_id == round_id)
        rows = await self._exec(q.order_by(t.c.unit_id, t.c.round_id))
        return [ScoreRecord(r.unit_id, r.round_id, r.version, r.score, r.se, r.responses, r.strata, r.envelope)
                for r in rows]

    async def save_score(self, plan_id: str, score: ScoreRecord) -> None:
        t = orm.round_scores
        stmt = pg_insert(t).values(plan_id=plan_id, unit_id=score.unit_id, round_id=score.round_id,
                                   version=score.version, score=score.score, se=score.se,
                                   responses=score.responses, strata=score.strata, envelope=score.envelope)
        await self._exec(stmt.on_conflict_do_update(
            index_elements=[t.c.plan_id, t.c.unit_id, t.c.round_id],
            set_={c: getattr(stmt.excluded, c) for c in ("version", "score", "se", "responses", "strata", "envelope")}
            | {"updated_at": sa.func.now()}))

    # frames, samples, fieldwork

    async def current_frame(self, plan_id: str, round_id: str, unit_id: str) -> FrameRecord | None:
        t = orm.frames
        row = (await self._exec(sa.select(t).where(t.c.plan_id == plan_id, t.c.round_id == round_id,
                                                   t.c.unit_id == unit_id, t.c.current))).first()
        if row is None:
            return None
        return FrameRecord(row.frame_id, row.plan_id, row.round_id, row.unit_id, row.sha256, row.respondents,
                           dict(row.strata_sizes), row.filename)

    async def replace_frame(self, frame: FrameRecord, members: Sequence[EncryptedRespondent]) -> None:
        t = orm.frames
        await self._exec(sa.update(t).where(t.c.plan_id == frame.plan_id, t.c.round_id == frame.round_id,
                                            t.c.unit_id == frame.unit_id, t.c.current).values(current=False))
        await self._exec(sa.insert(t).values(
            frame_id=frame.frame_id, plan_id=frame.plan_id, round_id=frame.round_id, unit_id=frame.unit_id,
            sha256=frame.sha256, respondents=frame.respondents, strata_sizes=frame.strata_sizes,
            filename=frame.filename, current=True))
        pg = await self._asyncpg()
        await pg.copy_records_to_table(
            "respondents", records=[(frame.frame_id, m.respondent_id, m.stratum, m.name_enc, m.phone_enc,
                                     m.address_enc, m.row) for m in members],
            columns=["frame_id", "respondent_id", "stratum", "name_enc", "phone_enc", "address_enc", "row"])

    async def frame_keys(self, frame_id: str) -> list[FrameKey]:
        t = orm.respondents
        rows = await self._exec(sa.select(t.c.respondent_id, t.c.stratum).where(t.c.frame_id == frame_id)
                                .order_by(t.c.respondent_id))
        return [FrameKey(r.respondent_id, r.stratum) for r in rows]

    async def frame_members(self, frame_id: str, respondent_ids: Iterable[str]) -> list[EncryptedRespondent]:
        t = orm.respondents
        ids = list(respondent_ids)
        rows = await self._exec(sa.select(t).where(t.c.frame_id == frame_id, t.c.respondent_id.in_(ids))
                                .order_by(t.c.respondent_id))
        return [EncryptedRespondent(r.respondent_id, r.stratum, r.name_enc, r.phone_enc, r.address_enc, r.row)
                for r in rows]

    async def get_sample(self, plan_id: str, round_id: str, unit_id: str, *, lock: bool = False) -> SampleRecord | None:
        t = orm.samples
        q = sa.select(t).where(t.c.plan_id == plan_id, t.c.round_id == round_id, t.c.unit_id == unit_id)
        if lock:
            q = q.with_for_update()
        r = (await self._exec(q)).first()
        if r is None:
            return None
        return SampleRecord(r.plan_id, r.round_id, r.unit_id, r.frame_id, r.algorithm, r.seed, r.frame_sha256,
                            r.allocation, r.size, r.sds, _dec(r.reserve_rate), dict(r.allocated))

    async def save_sample(self, sample: SampleRecord) -> None:
        await self._exec(sa.insert(orm.samples).values(
            plan_id=sample.plan_id, round_id=sample.round_id, unit_id=sample.unit_id, frame_id=sample.frame_id,
            algorithm=sample.algorithm, seed=sample.seed, frame_sha256=sample.frame_sha256,
            allocation=sample.allocation, size=sample.size, sds=sample.sds, reserve_rate=sample.reserve_rate,
            allocated=sample.allocated))

    async def load_fieldwork(self, plan_id: str, round_id: str, unit_id: str) -> FieldworkState:
        m, i = orm.sample_members, orm.interviews
        members = [SampledRespondent(r.respondent_id, r.stratum, r.position, r.draw_number, r.replaces,
                                     r.interviewer, RespondentStatus(r.status), r.replaced_by)
                   for r in await self._exec(sa.select(m).where(m.c.plan_id == plan_id, m.c.round_id == round_id,
                                                                m.c.unit_id == unit_id))]
        interviews = [Interview(r.interview_id, r.respondent_id, r.stratum, r.interviewer, Mode(r.mode),
                                Outcome(r.outcome), r.questionnaire_version,
                                tuple(r.answers) if r.answers is not None else None, r.replacement_id)
                      for r in await self._exec(sa.select(i).where(i.c.plan_id == plan_id, i.c.round_id == round_id,
                                                                   i.c.unit_id == unit_id).order_by(i.c.created_at))]
        return FieldworkState(members, interviews)

    async def save_fieldwork(self, plan_id: str, round_id: str, unit_id: str, state: FieldworkState,
                             new_interviews: Sequence[Interview]) -> None:
        m = orm.sample_members
        if state.members:
            stmt = pg_insert(m).values([dict(
                plan_id=plan_id, round_id=round_id, unit_id=unit_id, respondent_id=r.respondent_id,
                stratum=r.stratum, position=r.position, draw_number=r.draw_number, replaces=r.replaces,
                replaced_by=r.replaced_by, status=r.status.value, interviewer=r.interviewer) for r in state.members])
            await self._exec(stmt.on_conflict_do_update(
                index_elements=[m.c.plan_id, m.c.round_id, m.c.unit_id, m.c.respondent_id],
                set_={c: getattr(stmt.excluded, c) for c in ("replaced_by", "status", "interviewer")}
                | {"updated_at": sa.func.now()}))
        if new_interviews:
            await self._exec(sa.insert(orm.interviews).values([dict(
                interview_id=iv.id, plan_id=plan_id, round_id=round_id, unit_id=unit_id,
                respondent_id=iv.respondent_id, stratum=iv.stratum, interviewer=iv.interviewer, mode=iv.mode.value,
                outcome=iv.outcome.value, questionnaire_version=iv.questionnaire_version,
                answers=list(iv.answers) if iv.answers is not None else None,
                replacement_id=iv.replacement_id) for iv in new_interviews]))

    async def assignments_of(self, plan_id: str, interviewer: str) -> list[tuple[str, str, str, str, str]]:
        m = orm.sample_members
        rows = await self._exec(sa.select(m.c.round_id, m.c.unit_id, m.c.respondent_id, m.c.stratum, m.c.status)
                                .where(m.c.plan_id == plan_id, m.c.interviewer == interviewer)
                                .order_by(m.c.round_id, m.c.unit_id, m.c.stratum, m.c.position))
        return [tuple(r) for r in rows]


def new_id() -> str:
    return str(uuid.uuid4())

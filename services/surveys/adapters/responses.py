"""Responses, their running aggregates and the round scores: the port and its SQL adapter."""

from __future__ import annotations

import abc
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.surveys.adapters import orm
from services.surveys.adapters.sql import SessionRepository


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
    external: bool = False  # an external score (the county office's), used as given: se "", no strata
    source: str = ""
    document: str = ""


class AbstractResponseRepository(abc.ABC):
    """Stored responses, the aggregates each adds to, and the scores computed from those."""

    @abc.abstractmethod
    async def lock_plan_scores(self, plan_id: str) -> None:
        """Serialise, until the transaction ends, every use case that changes a plan's responses or scores."""

    @abc.abstractmethod
    async def insert_responses(
        self, plan_id: str, rows: Sequence[ResponseRow], keys_of: KeysOf, source: str = "import"
    ) -> InsertOutcome:
        """Idempotent bulk insert by response id (first delivery wins); adds each accepted row to the
        aggregate of its (unit, round, stratum) under its key (`keys_of(accepted)`), in the same
        transaction, so a re-delivered id never counts twice."""

    @abc.abstractmethod
    async def responses_of(
        self, plan_id: str, pairs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], list[ResponseRow]]:
        """The stored responses of (unit, round) pairs (the from-scratch input; checks and tests)."""

    @abc.abstractmethod
    def scan_responses(self, plan_id: str) -> AsyncIterator[list[ResponseRow]]:
        """Every stored response of a plan, in chunks (re-aggregation after an answer-score change)."""

    @abc.abstractmethod
    async def answers_in_use(self, plan_id: str) -> set[str]:
        """Every answer code the stored responses of a plan use ("no_answer" included, unanswered items not)."""

    @abc.abstractmethod
    async def aggregates_of(
        self, plan_id: str, pairs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], dict[str, dict[str, int]]]:
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
    async def get_scores(
        self, plan_id: str, *, unit_id: str | None = None, round_id: str | None = None
    ) -> list[ScoreRecord]: ...
    @abc.abstractmethod
    async def save_score(self, plan_id: str, score: ScoreRecord) -> None: ...


_LOCK_NAMESPACE = 0x5376  # "Sv": advisory locks of a plan's responses, aggregates and scores


class SqlAlchemyResponseRepository(SessionRepository, AbstractResponseRepository):
    """Responses (COPY in, cursors out), aggregates and scores on the service's PostgreSQL schema."""

    async def lock_plan_scores(self, plan_id: str) -> None:
        # through the session, not the raw connection: the driver begins its transaction lazily, and
        # a transaction-scoped lock taken before that would be released at once
        await self._exec(
            sa.select(sa.func.pg_advisory_xact_lock(_LOCK_NAMESPACE, zlib.crc32(plan_id.encode()) - 2**31))
        )

    async def insert_responses(
        self, plan_id: str, rows: Sequence[ResponseRow], keys_of: KeysOf, source: str = "import"
    ) -> InsertOutcome:
        """Look up which ids are stored, COPY the new rows straight into `responses` (first delivery
        of an id wins), then add them to their aggregates: a re-delivered id adds nothing, so
        nothing counts twice. The plan's lock keeps any other writer out between look-up and COPY."""
        if not rows:
            return InsertOutcome([], 0, [])
        await self.lock_plan_scores(plan_id)
        pg = await self._asyncpg()
        known = {
            rec[0]: ResponseRow(rec[0], rec[1], rec[2], rec[3], rec[4], tuple(rec[5]))
            for rec in await pg.fetch(
                "SELECT response_id, unit_id, round_id, stratum, mode, answers FROM responses"
                " WHERE plan_id = $1 AND response_id = ANY($2::text[])",
                plan_id,
                [r.response_id for r in rows],
            )
        }
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
                "responses",
                records=[
                    (plan_id, r.response_id, r.unit_id, r.round_id, r.stratum, r.mode, list(r.answers), source)
                    for r in accepted
                ],
                columns=["plan_id", "response_id", "unit_id", "round_id", "stratum", "mode", "answers", "source"],
            )
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
            plan_id,
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [k[3] for k in keys],
            [counts[k] for k in keys],
        )

    async def replace_aggregates(self, plan_id: str, counts: Mapping[AggregateKey, int]) -> None:
        pg = await self._asyncpg()
        await pg.execute("DELETE FROM response_aggregates WHERE plan_id = $1", plan_id)
        await self._add_aggregates(pg, plan_id, counts)

    async def aggregates_of(
        self, plan_id: str, pairs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], dict[str, dict[str, int]]]:
        pairs = sorted(set(pairs))
        out: dict[tuple[str, str], dict[str, dict[str, int]]] = {p: {} for p in pairs}
        if not pairs:
            return out
        pg = await self._asyncpg()
        for unit_id, round_id, stratum, key, n in await pg.fetch(
            "SELECT a.unit_id, a.round_id, a.stratum, a.score, a.responses FROM response_aggregates a"
            " JOIN unnest($2::text[], $3::text[]) AS p(unit_id, round_id)"
            " ON a.unit_id = p.unit_id AND a.round_id = p.round_id WHERE a.plan_id = $1 AND a.responses > 0",
            plan_id,
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        ):
            out[(unit_id, round_id)].setdefault(stratum, {})[key] = n
        return out

    async def scored_strata(self, plan_id: str) -> set[tuple[str, str]]:
        pg = await self._asyncpg()
        return {
            (r[0], r[1])
            for r in await pg.fetch(
                "SELECT DISTINCT unit_id, stratum FROM response_aggregates WHERE plan_id = $1 AND score <> ''"
                " AND responses > 0",
                plan_id,
            )
        }

    async def unit_rounds_with_responses(self, plan_id: str) -> set[tuple[str, str]]:
        pg = await self._asyncpg()
        return {
            (r[0], r[1])
            for r in await pg.fetch(
                "SELECT DISTINCT unit_id, round_id FROM response_aggregates WHERE plan_id = $1 AND responses > 0",
                plan_id,
            )
        }

    async def answers_in_use(self, plan_id: str) -> set[str]:
        pg = await self._asyncpg()
        return {
            r[0]
            for r in await pg.fetch(
                "SELECT DISTINCT a FROM responses, unnest(answers) AS a WHERE plan_id = $1 AND a IS NOT NULL", plan_id
            )
        }

    async def scan_responses(self, plan_id: str) -> AsyncIterator[list[ResponseRow]]:
        pg = await self._asyncpg()
        chunk: list[ResponseRow] = []
        async for rec in pg.cursor(
            "SELECT response_id, unit_id, round_id, stratum, mode, answers FROM responses WHERE plan_id = $1",
            plan_id,
            prefetch=10_000,
        ):
            chunk.append(ResponseRow(rec[0], rec[1], rec[2], rec[3], rec[4], tuple(rec[5])))
            if len(chunk) >= 10_000:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    async def responses_of(
        self, plan_id: str, pairs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], list[ResponseRow]]:
        pairs = sorted(set(pairs))
        out: dict[tuple[str, str], list[ResponseRow]] = {p: [] for p in pairs}
        if not pairs:
            return out
        pg = await self._asyncpg()
        records = await pg.fetch(
            "SELECT r.response_id, r.unit_id, r.round_id, r.stratum, r.mode, r.answers FROM responses r"
            " JOIN unnest($2::text[], $3::text[]) AS p(unit_id, round_id)"
            " ON r.unit_id = p.unit_id AND r.round_id = p.round_id WHERE r.plan_id = $1",
            plan_id,
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        )
        for rec in records:
            out[(rec[1], rec[2])].append(ResponseRow(rec[0], rec[1], rec[2], rec[3], rec[4], tuple(rec[5])))
        return out

    async def get_scores(
        self, plan_id: str, *, unit_id: str | None = None, round_id: str | None = None
    ) -> list[ScoreRecord]:
        t = orm.round_scores
        q = sa.select(t).where(t.c.plan_id == plan_id)
        if unit_id is not None:
            q = q.where(t.c.unit_id == unit_id)
        if round_id is not None:
            q = q.where(t.c.round_id == round_id)
        rows = await self._exec(q.order_by(t.c.unit_id, t.c.round_id))
        return [
            ScoreRecord(
                r.unit_id,
                r.round_id,
                r.version,
                r.score,
                r.se,
                r.responses,
                r.strata,
                r.envelope,
                r.external,
                r.source,
                r.document,
            )
            for r in rows
        ]

    async def save_score(self, plan_id: str, score: ScoreRecord) -> None:
        t = orm.round_scores
        stmt = pg_insert(t).values(
            plan_id=plan_id,
            unit_id=score.unit_id,
            round_id=score.round_id,
            version=score.version,
            score=score.score,
            se=score.se,
            responses=score.responses,
            strata=score.strata,
            envelope=score.envelope,
            external=score.external,
            source=score.source,
            document=score.document,
        )
        await self._exec(
            stmt.on_conflict_do_update(
                index_elements=[t.c.plan_id, t.c.unit_id, t.c.round_id],
                set_={
                    c: getattr(stmt.excluded, c)
                    for c in (
                        "version",
                        "score",
                        "se",
                        "responses",
                        "strata",
                        "envelope",
                        "external",
                        "source",
                        "document",
                    )
                }
                | {"updated_at": sa.func.now()},
            )
        )

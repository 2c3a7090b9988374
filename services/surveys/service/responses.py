"""Responses: validation against the plan, idempotent storage with their aggregates, the response import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.errors import Conflict, FieldProblem, InvalidInput
from jixiao.rules.errors import Problem
from jixiao.rules.fields import Problems
from jixiao.rules.model import NO_ANSWER
from jixiao.rules.survey import MODES, RESPONSE_ID_MAX, check_response
from services.surveys.adapters.repository import AbstractSurveysRepository
from services.surveys.adapters.responses import AggregateKey, KeysOf, ResponseRow
from services.surveys.domain.aggregates import score_keys
from services.surveys.domain.rounds import RoundState

from .common import PlanContext, load_context, log
from .scores import recompute_scores
from .unit_of_work import AbstractUnitOfWork


def _all_known(allowed: set, answers: list) -> bool:
    try:
        return allowed.issuperset(answers)  # the common case, at C speed
    except TypeError:  # an unhashable answer: the full check names it
        return False


def validate_responses(
    ctx: PlanContext, records: Sequence[Any], base: str = "$.survey_responses", path_of=None
) -> tuple[list[ResponseRow], list[FieldProblem]]:
    """Check responses against the plan with the rules' `check_response` (a valid record takes a fast
    path first); returns rows and problems. `mode` may be left out here (a response typed in)."""
    rounds, units = ctx.rounds, ctx.units
    weights_cache: dict[str, dict[str, Decimal]] = {}

    def weights_for(unit: str) -> dict[str, Decimal]:
        w = weights_cache.get(unit)
        if w is None:
            w = weights_cache[unit] = ctx.unit_weights(unit)
        return w

    problems = Problems()
    rows: list[ResponseRow] = []
    at = path_of or (lambda i, f: f"{base}[{i}].{f}" if f else f"{base}[{i}]")
    allowed = {*ctx.plan.answer_scores, None, NO_ANSWER}
    for i, rec in enumerate(records):
        if type(rec) is dict:
            rid, unit, rnd, stratum = rec.get("id"), rec.get("unit"), rec.get("round"), rec.get("stratum")
            mode, answers = rec.get("mode") or "", rec.get("answers")
            if (
                type(rid) is str
                and 0 < len(rid) <= RESPONSE_ID_MAX
                and unit in units
                and rnd in rounds
                and (mode == "" or mode in MODES)
                and type(answers) is list
                and stratum in weights_for(unit)
                and _all_known(allowed, answers)
            ):
                rows.append(ResponseRow(rid, unit, rnd, stratum, mode, tuple(answers)))
                continue
        found, prefix = len(problems), at(i, "")
        checked = check_response(
            rec,
            prefix,
            problems,
            units=units,
            rounds=rounds,
            weights_for=weights_for,
            answer_scores=ctx.plan.answer_scores,
            mode_required=False,
        )
        if checked is not None:
            rows.append(ResponseRow(*checked))
        for k in range(found, len(problems)):  # the caller's paths (a CSV names rows, not JSON paths)
            where = problems.items[k].path
            if where.startswith(prefix + "."):
                problems.items[k] = Problem(at(i, where[len(prefix) + 1 :]), problems.items[k].message)
    return rows, [FieldProblem(p.path, p.message) for p in problems.items]


@dataclass
class ImportReport:
    """Counts of an idempotent response import."""

    received: int = 0
    accepted: int = 0
    unchanged: int = 0
    differing: list[str] | None = None
    scores_updated: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "unchanged": self.unchanged,
            "ignored_differing": len(self.differing or []),
            "differing_ids": (self.differing or [])[:100],
            "scores_updated": self.scores_updated,
        }


def _dedupe(rows: Sequence[ResponseRow]) -> tuple[list[ResponseRow], int, list[str]]:
    """First delivery of an id in one batch wins; later identical ones are unchanged, differing ones reported."""
    first: dict[str, ResponseRow] = {}
    same = 0
    differing: list[str] = []
    for r in rows:
        seen = first.get(r.response_id)
        if seen is None:
            first[r.response_id] = r
        elif seen == r:
            same += 1
        else:
            differing.append(r.response_id)
    return list(first.values()), same, differing


def response_scorer(answer_scores: Mapping[str, Decimal]) -> KeysOf:
    """The aggregate keys (r) of rows; answer patterns repeat, so each is scored once per use case."""
    cache: dict[tuple[str | None, ...], str] = {}
    return lambda rows: score_keys((r.answers for r in rows), answer_scores, cache)


async def reaggregate(repo: AbstractSurveysRepository, ctx: PlanContext) -> None:
    """Rebuild a plan's aggregates from its stored responses (its answer scores changed)."""
    keys_of = response_scorer(ctx.plan.answer_scores)
    counts: dict[AggregateKey, int] = {}
    async for chunk in repo.scan_responses(ctx.plan.plan_id):
        for r, key in zip(chunk, keys_of(chunk), strict=True):
            agg = (r.unit_id, r.round_id, r.stratum, key)
            counts[agg] = counts.get(agg, 0) + 1
    await repo.replace_aggregates(ctx.plan.plan_id, counts)


async def store_responses(
    uow: AbstractUnitOfWork,
    ctx: PlanContext,
    rows: Sequence[ResponseRow],
    source: str = "import",
    rescore_all: bool = False,
) -> ImportReport:
    """Insert new responses with their aggregates and re-score the (unit, round) pairs they touch."""
    unique, same, differing = _dedupe(rows)
    outcome = await uow.repo.insert_responses(ctx.plan.plan_id, unique, response_scorer(ctx.plan.answer_scores), source)
    closed_rounds = {rid for rid, rnd in ctx.rounds.items() if rnd.state == RoundState.CLOSED.value}
    closed = sorted({(r.unit_id, r.round_id) for r in outcome.accepted if r.round_id in closed_rounds})
    if closed:
        raise Conflict(f"round {closed[0][1]!r} is closed: it accepts no new responses (unit {closed[0][0]!r})")
    pairs = {(r.unit_id, r.round_id) for r in outcome.accepted}
    if outcome.accepted:  # responses carry no personal data; the trail keeps their ids per (unit, round)
        by_pair: dict[str, list[str]] = {}
        for r in outcome.accepted:
            by_pair.setdefault(f"{r.unit_id}:{r.round_id}", []).append(r.response_id)
        await uow.audit(
            "responses.accepted",
            entity_type="responses",
            entity_id=ctx.plan.plan_id,
            after={"source": source, "accepted": len(outcome.accepted), "ids": by_pair},
        )
    if rescore_all:
        pairs |= await uow.repo.unit_rounds_with_responses(ctx.plan.plan_id)
    changed = await recompute_scores(uow, ctx.plan.plan_id, pairs, ctx)
    return ImportReport(
        len(rows),
        len(outcome.accepted),
        outcome.unchanged + same,
        sorted(set(differing + outcome.differing)),
        len(changed),
    )


async def import_responses(
    uow: AbstractUnitOfWork, plan_id: str, records: Sequence[Any], *, base: str = "$.survey_responses", path_of=None
) -> dict[str, Any]:
    """Validate and store responses (all or nothing); publish one score event per changed (unit, round)."""
    async with uow:
        await uow.repo.lock_plan_scores(plan_id)
        ctx = await load_context(uow.repo, plan_id)
        rows, problems = validate_responses(ctx, records, base, path_of)
        if problems:
            raise InvalidInput(f"{len(problems)} problem(s) in the responses; nothing was stored", problems=problems)
        report = await store_responses(uow, ctx, rows)
        await uow.commit()
    log.info(
        "responses.imported", plan_id=plan_id, **{k: v for k, v in report.as_dict().items() if k != "differing_ids"}
    )
    return report.as_dict()

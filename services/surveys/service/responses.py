"""Responses: validation against the plan, idempotent storage with their aggregates, the response import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.errors import Conflict, FieldProblem, InvalidInput
from services.scoring.domain.model import NO_ANSWER
from services.surveys.adapters.repository import AbstractSurveysRepository
from services.surveys.adapters.responses import AggregateKey, KeysOf, ResponseRow
from services.surveys.domain.aggregates import score_keys
from services.surveys.domain.rounds import RoundState

from .common import PlanContext, load_context, log
from .scores import recompute_scores
from .unit_of_work import AbstractUnitOfWork

MODES = ("phone", "face")


def _all_known(allowed: set, answers: list) -> bool:
    try:
        return allowed.issuperset(answers)  # the common case, at C speed
    except TypeError:  # an unhashable answer: the item-by-item check names it
        return False


def validate_responses(ctx: PlanContext, records: Sequence[Any], base: str = "$.survey_responses",
                       path_of=None) -> tuple[list[ResponseRow], list[FieldProblem]]:
    """Check responses against the plan (scoring.md, Rejected input); returns rows and problems."""
    scores = ctx.plan.answer_scores
    rounds = ctx.rounds
    units = ctx.units
    weights_cache: dict[str, dict[str, Decimal]] = {}
    problems: list[FieldProblem] = []
    rows: list[ResponseRow] = []
    at = path_of or (lambda i, f: f"{base}[{i}].{f}" if f else f"{base}[{i}]")
    allowed = {*scores, None, NO_ANSWER}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            problems.append(FieldProblem(at(i, ""), "must be an object"))
            continue
        rid, unit, rnd, stratum = rec.get("id"), rec.get("unit"), rec.get("round"), rec.get("stratum")
        mode, answers = rec.get("mode") or "", rec.get("answers")
        ok = True
        if not isinstance(rid, str) or not rid or len(rid) > 100:
            problems.append(FieldProblem(at(i, "id"), "a response needs a string id (at most 100 characters)"))
            ok = False
        if unit not in units:
            problems.append(FieldProblem(at(i, "unit"), f"unknown unit {unit!r}"))
            ok = False
        if rnd not in rounds:
            problems.append(FieldProblem(at(i, "round"), f"unknown round {rnd!r}"))
            ok = False
        if unit in units:
            w = weights_cache.get(unit)
            if w is None:
                w = weights_cache[unit] = ctx.unit_weights(unit)
            if stratum not in w:
                known = stratum in ctx.groups
                problems.append(FieldProblem(at(i, "stratum"), (
                    f"stratum {stratum!r} has no weight for unit {unit!r}" if known else f"unknown stratum {stratum!r}")))
                ok = False
        if mode not in MODES and mode != "":
            problems.append(FieldProblem(at(i, "mode"), f"mode must be phone or face, not {mode!r}"))
            ok = False
        if not isinstance(answers, list):
            problems.append(FieldProblem(at(i, "answers"), "answers must be a list"))
            ok = False
        elif not _all_known(allowed, answers):
            for j, a in enumerate(answers):
                if a is None or a == NO_ANSWER:
                    continue
                if not isinstance(a, str) or a not in scores:
                    problems.append(FieldProblem(f"{at(i, 'answers')}[{j}]", f"unknown answer {a!r}"))
                    ok = False
        if ok:
            rows.append(ResponseRow(rid, unit, rnd, stratum, mode, tuple(answers)))
    return rows, problems


@dataclass
class ImportReport:
    """Counts of an idempotent response import."""

    received: int = 0
    accepted: int = 0
    unchanged: int = 0
    differing: list[str] | None = None
    scores_updated: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "accepted": self.accepted, "unchanged": self.unchanged,
                "ignored_differing": len(self.differing or []), "differing_ids": (self.differing or [])[:100],
                "scores_updated": self.scores_updated}


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


async def store_responses(uow: AbstractUnitOfWork, ctx: PlanContext, rows: Sequence[ResponseRow],
                          source: str = "import", rescore_all: bool = False) -> ImportReport:
    """Insert new responses with their aggregates and re-score the (unit, round) pairs they touch."""
    unique, same, differing = _dedupe(rows)
    outcome = await uow.repo.insert_responses(ctx.plan.plan_id, unique, response_scorer(ctx.plan.answer_scores), source)
    closed_rounds = {rid for rid, rnd in ctx.rounds.items() if rnd.state == RoundState.CLOSED.value}
    closed = sorted({(r.unit_id, r.round_id) for r in outcome.accepted if r.round_id in closed_rounds})
    if closed:
        raise Conflict(f"round {closed[0][1]!r} is closed: it accepts no new responses (unit {closed[0][0]!r})")
    pairs = {(r.unit_id, r.round_id) for r in outcome.accepted}
    if rescore_all:
        pairs |= await uow.repo.unit_rounds_with_responses(ctx.plan.plan_id)
    changed = await recompute_scores(uow, ctx.plan.plan_id, pairs, ctx)
    return ImportReport(len(rows), len(outcome.accepted), outcome.unchanged + same,
                        sorted(set(differing + outcome.differing)), len(changed))


async def import_responses(uow: AbstractUnitOfWork, plan_id: str, records: Sequence[Any], *,
                           base: str = "$.survey_responses", path_of=None) -> dict[str, Any]:
    """Validate and store responses (all or nothing); publish one score event per changed (unit, round)."""
    async with uow:
        await uow.repo.lock_plan_scores(plan_id)
        ctx = await load_context(uow.repo, plan_id)
        rows, problems = validate_responses(ctx, records, base, path_of)
        if problems:
            raise InvalidInput(f"{len(problems)} problem(s) in the responses; nothing was stored", problems=problems)
        report = await store_responses(uow, ctx, rows)
        await uow.commit()
    log.info("responses.imported", plan_id=plan_id, **{k: v for k, v in report.as_dict().items() if k != "differing_ids"})
    return report.as_dict()

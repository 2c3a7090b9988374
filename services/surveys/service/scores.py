"""Round scores: re-scoring (unit, round) pairs from their aggregates, the score event, reading scores."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from jixiao.errors import Conflict
from jixiao.proto.events.v1 import surveys_pb2
from jixiao.rules.errors import ScoringError
from services.surveys.adapters.external import ExternalScoreRecord
from services.surveys.adapters.responses import ScoreRecord
from services.surveys.domain.aggregates import responses_in, round_score_from_counts

from .common import PlanContext, load_context
from .unit_of_work import AbstractUnitOfWork


def _score_record(
    unit_id: str, round_id: str, version: int, strata: Mapping[str, Mapping[str, int]], weights: Mapping[str, Decimal]
) -> ScoreRecord:
    try:
        rs = round_score_from_counts(round_id, strata, weights)
    except ScoringError as exc:  # only if stored responses no longer fit the plan (refused on the way in)
        raise Conflict(f"unit {unit_id!r}, round {round_id!r} cannot be scored: {exc}") from None
    out = (
        []
        if rs is None
        else [
            {"stratum": s.stratum, "n": s.n, "mean": str(s.mean), "sd": str(s.sd), "weight": str(s.weight)}
            for s in rs.strata
        ]
    )
    return ScoreRecord(
        unit_id,
        round_id,
        version,
        "" if rs is None else str(rs.score),
        "" if rs is None else str(rs.se),
        sum(responses_in(c) for c in strata.values()),
        out,
    )


def _external_record(ext: ExternalScoreRecord, version: int) -> ScoreRecord:
    """The round score of an external score: used as given, no SE, no strata; responses of the
    round (if any) are kept but not counted, so `responses` is 0."""
    return ScoreRecord(
        ext.unit_id,
        ext.round_id,
        version,
        format(ext.score, "f"),
        "",
        0,
        [],
        external=True,
        source=ext.source,
        document=ext.document,
    )


def _same(a: ScoreRecord, b: ScoreRecord) -> bool:
    return (a.score, a.se, a.responses, a.strata, a.external, a.source, a.document) == (
        b.score,
        b.se,
        b.responses,
        b.strata,
        b.external,
        b.source,
        b.document,
    )


def score_event(plan_id: str, s: ScoreRecord) -> surveys_pb2.SurveyScoreUpdated:
    """The published contract of a round score (no personal data, decimals as strings)."""
    return surveys_pb2.SurveyScoreUpdated(
        plan_id=plan_id,
        unit_id=s.unit_id,
        round_id=s.round_id,
        version=s.version,
        score=s.score,
        se=s.se,
        responses=s.responses,
        external=s.external,
        source=s.source,
        document=s.document,
        strata=[
            surveys_pb2.StratumScore(stratum=h["stratum"], n=h["n"], mean=h["mean"], sd=h["sd"], weight=h["weight"])
            for h in s.strata
        ],
    )


async def recompute_scores(
    uow: AbstractUnitOfWork, plan_id: str, pairs: Iterable[tuple[str, str]], ctx: PlanContext | None = None
) -> list[ScoreRecord]:
    """Re-score (unit, round) pairs from their aggregates, or, where the county office entered an
    external score, from that (it wins over responses); store and publish the ones that changed."""
    pairs = sorted(set(pairs))
    if not pairs:
        return []
    ctx = ctx or await load_context(uow.repo, plan_id)
    if not ctx.weights.get(""):
        ctx = await load_context(uow.repo, plan_id)
    if len(pairs) == 1:
        stored = await uow.repo.get_scores(plan_id, unit_id=pairs[0][0], round_id=pairs[0][1])
    else:
        stored = await uow.repo.get_scores(plan_id)
    current = {(s.unit_id, s.round_id): s for s in stored}
    aggregates = await uow.repo.aggregates_of(plan_id, pairs)
    wanted = set(pairs)
    one = {"unit_id": pairs[0][0], "round_id": pairs[0][1]} if len(pairs) == 1 else {}
    external = {
        (e.unit_id, e.round_id): e
        for e in await uow.repo.external_scores(plan_id, **one)
        if (e.unit_id, e.round_id) in wanted
    }
    changed = []
    for unit_id, round_id in pairs:
        old = current.get((unit_id, round_id))
        version = (old.version if old else 0) + 1
        ext = external.get((unit_id, round_id))
        new = (
            _external_record(ext, version)
            if ext is not None
            else _score_record(unit_id, round_id, version, aggregates[(unit_id, round_id)], ctx.unit_weights(unit_id))
        )
        if old is not None and _same(old, new):
            continue
        env = await uow.emit(
            score_event(plan_id, new),
            plan_id=plan_id,
            unit_id=unit_id,
            aggregate_id=f"{unit_id}:{round_id}",
            version=new.version,
        )
        stored_score = dataclasses.replace(new, envelope=env.SerializeToString(deterministic=True))
        await uow.repo.save_score(plan_id, stored_score)
        changed.append(stored_score)
    return changed


Z95 = Decimal("1.959963984540054")  # the 0.975 quantile of the standard normal


def score_view(plan_id: str, s: ScoreRecord) -> dict[str, Any]:
    """A round score with its 95% interval S ± z·SE (normal approximation)."""
    view: dict[str, Any] = {
        "plan": plan_id,
        "unit": s.unit_id,
        "round": s.round_id,
        "version": s.version,
        "score": s.score or None,
        "se": s.se or None,
        "ci95": None,
        "responses": s.responses,
        "strata": s.strata,
        "external": s.external,
        "source": s.source or None,
        "document": s.document or None,
    }
    if s.score and s.se:
        score, se = Decimal(s.score), Decimal(s.se)
        view["ci95"] = [str(score - Z95 * se), str(score + Z95 * se)]
    return view


async def get_scores(
    uow: AbstractUnitOfWork, plan_id: str, *, unit_id: str | None = None, round_id: str | None = None
) -> list[dict[str, Any]]:
    async with uow:
        await load_context(uow.repo, plan_id)
        return [score_view(plan_id, s) for s in await uow.repo.get_scores(plan_id, unit_id=unit_id, round_id=round_id)]

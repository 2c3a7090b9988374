"""Use cases of the surveys service: plan and rounds, responses and scores, frames, samples, fieldwork.

Every handler runs in one `async with uow:` transaction; events go to the outbox in it.
Personal data (names, phones, addresses) is encrypted before it reaches the repository and is
never logged nor put into an event.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from jixiao import jsonutil
from jixiao.errors import Conflict, FieldProblem, InvalidInput, JixiaoError, NotFound
from jixiao.logging import get_logger
from jixiao.proto.events.v1 import surveys_pb2
from services.scoring.domain.errors import PlanError, ScoringError
from services.scoring.domain.model import NO_ANSWER, Plan
from services.scoring.domain.plan import parse_plan
from services.surveys.adapters.pii import PiiCipher
from services.surveys.adapters.repository import (
    AbstractSurveysRepository,
    AggregateKey,
    EncryptedRespondent,
    FieldworkState,
    FrameRecord,
    KeysOf,
    PlanRecord,
    ResponseRow,
    RoundRecord,
    SampleRecord,
    ScoreRecord,
    new_id,
)
from services.surveys.domain.aggregates import responses_in, round_score_from_counts, score_keys
from services.surveys.domain.errors import PlanEventRejected, UnitEventRejected
from services.surveys.domain.frames import Frame
from services.surveys.domain.model import Fieldwork, Item, AnswerOption, Round, RoundState
from services.surveys.domain.sampling import Sample, draw_sample, frame_sha256

log = get_logger("surveys.service")

MODES = ("phone", "face")


class Forbidden(JixiaoError):
    """The actor may not see this (personal data is visible only to the assigned interviewer)."""

    status = 403
    title = "Forbidden"


class UnitOfWork(Protocol):
    """What handlers need of a unit of work (SurveysUnitOfWork, or a fake in unit tests)."""

    repo: AbstractSurveysRepository

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def emit(self, payload: Any, *, plan_id: str, unit_id: str = "", aggregate_id: str = "",
                   version: int = 0) -> Any: ...
    async def commit(self) -> None: ...


# --- plan, units, strata, rounds -------------------------------------------------------------


@dataclass(frozen=True)
class PlanContext:
    """What validation and scoring need to know about a plan, loaded once per use case."""

    plan: PlanRecord
    rounds: dict[str, RoundRecord]
    units: set[str]
    weights: dict[str, dict[str, Decimal]]  # '' = defaults, else per-unit overrides

    def unit_weights(self, unit_id: str) -> dict[str, Decimal]:
        """W_h of a unit: its overrides over the plan's defaults."""
        return {**self.weights.get("", {}), **self.weights.get(unit_id, {})}

    @property
    def groups(self) -> tuple[str, ...]:
        """Every stratum (respondent group) the plan weighs, defaults first."""
        names = list(self.weights.get("", {}))
        for unit, w in sorted(self.weights.items()):
            if unit:
                names.extend(s for s in w if s not in names)
        return tuple(names)


async def load_context(repo: AbstractSurveysRepository, plan_id: str) -> PlanContext:
    plan = await repo.get_plan(plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id!r} is not known to the surveys service")
    rounds = {r.round_id: r for r in await repo.list_rounds(plan_id)}
    return PlanContext(plan, rounds, await repo.unit_ids(plan_id), await repo.stratum_weights(plan_id))


def _problems(exc: PlanError) -> list[FieldProblem]:
    return [FieldProblem(p.path, p.message) for p in exc.problems]


def _parse_plan(plan: Any, problems: list[FieldProblem]) -> Plan | None:
    try:
        return parse_plan(plan, [])
    except PlanError as exc:
        problems.extend(_problems(exc))
        return None


@dataclass(frozen=True)
class PlanChange:
    """What storing a plan's survey part changed, so the use case knows what to re-score."""

    plan_id: str
    counts: dict[str, int]
    reaggregate: bool  # the answer scores changed: every stored response's r changes
    rescore: bool      # weights or answer scores changed: every stored round score is re-computed


async def _define_plan(repo: AbstractSurveysRepository, parsed: Plan, units: Any, strata: Any,
                       problems: list[FieldProblem], *, version: int = 0) -> PlanChange | None:
    """Validate and store a plan's survey part (its defaults replace the stored ones), its units and
    per-unit stratum weights; None (with `problems`) when refused, and then nothing is written.

    Refused as well: a closed round whose weight or period would change, and answer scores or
    weights that stored responses would no longer fit (an answer without a score, a stratum with
    counted responses without a weight): scoring.md rejects such responses, so the plan is refused."""
    if parsed.survey is None:
        problems.append(FieldProblem("$.plan.survey", "the plan has no survey part"))
        return None
    await repo.lock_plan_scores(parsed.id)
    unit_rows: list[tuple[str, str, str]] = []
    for i, u in enumerate(units or []):
        uid = u.get("id") if isinstance(u, dict) else None
        if not isinstance(uid, str) or not uid:
            problems.append(FieldProblem(f"$.units[{i}].id", "a unit needs a string id"))
            continue
        unit_rows.append((uid, str(u.get("name") or ""), str(u.get("kind") or "")))
    known_units = await repo.unit_ids(parsed.id) | {u for u, _, _ in unit_rows}
    overrides: dict[str, dict[str, Decimal]] = {}
    for i, s in enumerate(strata or []):
        path = f"$.survey_strata[{i}]"
        if not isinstance(s, dict):
            problems.append(FieldProblem(path, "must be an object"))
            continue
        unit, stratum, weight = s.get("unit"), s.get("stratum"), s.get("weight")
        if unit not in known_units:
            problems.append(FieldProblem(f"{path}.unit", f"unknown unit {unit!r}"))
        if not isinstance(stratum, str) or not stratum:
            problems.append(FieldProblem(f"{path}.stratum", "a stratum name is required"))
        if isinstance(weight, bool) or not isinstance(weight, (int, Decimal)) or not weight > 0:
            problems.append(FieldProblem(f"{path}.weight", "must be a positive decimal number"))
        elif isinstance(unit, str) and isinstance(stratum, str):
            overrides.setdefault(unit, {})[stratum] = Decimal(weight)
    if problems:
        return None
    stored = {r.round_id: r for r in await repo.list_rounds(parsed.id)}
    for pos, rnd in enumerate(parsed.survey.rounds):
        old = stored.get(rnd.id)
        if old is not None and old.state == RoundState.CLOSED.value and (old.weight, old.period) != (rnd.weight, rnd.period):
            problems.append(FieldProblem(f"$.plan.survey.rounds[{pos}]",
                                         f"round {rnd.id!r} is closed: its weight and period cannot change"))
    old_plan = await repo.get_plan(parsed.id)
    old_weights = await repo.stratum_weights(parsed.id)
    answer_scores = dict(parsed.survey.answer_scores)
    answers_changed = old_plan is not None and dict(old_plan.answer_scores) != answer_scores
    if old_plan is not None:
        if set(old_plan.answer_scores) - set(answer_scores):
            unscored = sorted(await repo.answers_in_use(parsed.id) - set(answer_scores) - {NO_ANSWER})
            if unscored:
                problems.append(FieldProblem("$.plan.survey.answer_scores", "stored responses use answer(s) "
                                             + ", ".join(map(repr, unscored)) + ": they need a score"))
        defaults = dict(parsed.survey.strata)
        for unit, stratum in sorted(await repo.scored_strata(parsed.id)):
            if stratum not in {**defaults, **old_weights.get(unit, {}), **overrides.get(unit, {})}:
                problems.append(FieldProblem("$.plan.survey.strata", f"stored responses of unit {unit!r} in "
                                             f"stratum {stratum!r} need a weight"))
    if problems:
        return None
    await repo.save_plan(PlanRecord(parsed.id, parsed.name, parsed.year, answer_scores, version))
    for pos, rnd in enumerate(parsed.survey.rounds):
        old = stored.get(rnd.id)
        await repo.upsert_round(parsed.id, RoundRecord(rnd.id, rnd.weight, rnd.period,
                                                        old.state if old else RoundState.OPEN.value, pos))
    await repo.add_units(parsed.id, unit_rows)
    await repo.set_stratum_weights(parsed.id, "", dict(parsed.survey.strata), replace=True)
    for unit, weights in overrides.items():
        await repo.set_stratum_weights(parsed.id, unit, weights)
    rescore = old_plan is None or answers_changed or await repo.stratum_weights(parsed.id) != old_weights
    return PlanChange(parsed.id, {"rounds": len(parsed.survey.rounds), "units": len(unit_rows),
                                  "survey_strata": sum(len(w) for w in overrides.values())},
                      answers_changed, rescore)


async def _apply_plan_change(uow: UnitOfWork, change: PlanChange, rows: Sequence[ResponseRow] = ()) -> ImportReport:
    """After a plan was stored: re-aggregate if its answer scores changed, store new responses, and
    re-score what changed (every stored (unit, round) when weights or answer scores did)."""
    ctx = await load_context(uow.repo, change.plan_id)
    if change.reaggregate:
        await _reaggregate(uow.repo, ctx)
    return await _store_responses(uow, ctx, rows, rescore_all=change.rescore)


def _refused(what: str, problems: list[FieldProblem]) -> InvalidInput:
    return InvalidInput(f"{what} was rejected ({len(problems)} problem(s)); nothing was stored", problems=problems)


async def define_plan(uow: UnitOfWork, doc: Mapping[str, Any]) -> dict[str, Any]:
    """Create or update a plan's survey part (rounds, strata weights, answer scores) and units."""
    async with uow:
        problems: list[FieldProblem] = []
        parsed = _parse_plan(doc.get("plan"), problems)
        change = parsed and await _define_plan(uow.repo, parsed, doc.get("units"), doc.get("survey_strata"), problems)
        if not change:
            raise _refused("the plan", problems)
        report = await _apply_plan_change(uow, change)
        await uow.commit()
    return {"plan": change.plan_id, **change.counts, "scores_updated": report.scores_updated}


async def move_round(uow: UnitOfWork, plan_id: str, round_id: str, target: str) -> dict[str, Any]:
    """open → fieldwork → closed."""
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await _round(uow.repo, ctx, round_id, lock=True)
        if target == RoundState.FIELDWORK.value:
            rnd.start_fieldwork()
        elif target == RoundState.CLOSED.value:
            rnd.close()
        else:
            raise InvalidInput(f"unknown state {target!r}", problems=[FieldProblem("state", "expected fieldwork or closed")])
        await uow.repo.save_round(rnd)
        await uow.commit()
    log.info("round.moved", plan_id=plan_id, round_id=round_id, state=rnd.state.value)
    return round_view(rnd)


async def _round(repo: AbstractSurveysRepository, ctx: PlanContext, round_id: str, *, lock: bool = False) -> Round:
    rnd = await repo.load_round(ctx.plan.plan_id, round_id, ctx.groups, ctx.plan.answer_scores, lock=lock)
    if rnd is None:
        raise NotFound(f"plan {ctx.plan.plan_id!r} has no round {round_id!r}")
    return rnd


def round_view(rnd: Round) -> dict[str, Any]:
    return {"round": rnd.id, "plan": rnd.plan_id, "weight": str(rnd.weight), "period": rnd.period,
            "state": rnd.state.value, "groups": list(rnd.groups),
            "questionnaires": {g: len(v) for g, v in sorted(rnd.questionnaires.items())}}


async def get_rounds(uow: UnitOfWork, plan_id: str) -> list[dict[str, Any]]:
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        return [round_view(await _round(uow.repo, ctx, r)) for r in ctx.rounds]


async def get_round(uow: UnitOfWork, plan_id: str, round_id: str) -> dict[str, Any]:
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        return round_view(await _round(uow.repo, ctx, round_id))


# --- questionnaires --------------------------------------------------------------------------


def questionnaire_view(q) -> dict[str, Any]:
    return {"round": q.round_id, "group": q.group, "version": q.version,
            "items": [{"key": i.key, "text": i.text,
                       "options": [{"answer": o.answer, "label": o.label, "score": str(o.score)} for o in i.options]}
                      for i in q.items]}


async def publish_questionnaire(uow: UnitOfWork, plan_id: str, round_id: str, group: str,
                                items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Publish the next version of a group's questionnaire (refused once the round is closed)."""
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await _round(uow.repo, ctx, round_id, lock=True)
        built = [Item(i["key"], i["text"], tuple(AnswerOption(o["answer"], o.get("label", ""), o["score"])
                                                 for o in i["options"])) for i in items]
        q = rnd.publish_questionnaire(group, built)
        await uow.repo.save_round(rnd)
        await uow.commit()
    return questionnaire_view(q)


async def get_questionnaire(uow: UnitOfWork, plan_id: str, round_id: str, group: str,
                            version: int | None = None) -> dict[str, Any]:
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await _round(uow.repo, ctx, round_id)
        return questionnaire_view(rnd.questionnaire(group, version))


# --- responses and scores --------------------------------------------------------------------


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


async def _reaggregate(repo: AbstractSurveysRepository, ctx: PlanContext) -> None:
    """Rebuild a plan's aggregates from its stored responses (its answer scores changed)."""
    keys_of = response_scorer(ctx.plan.answer_scores)
    counts: dict[AggregateKey, int] = {}
    async for chunk in repo.scan_responses(ctx.plan.plan_id):
        for r, key in zip(chunk, keys_of(chunk), strict=True):
            agg = (r.unit_id, r.round_id, r.stratum, key)
            counts[agg] = counts.get(agg, 0) + 1
    await repo.replace_aggregates(ctx.plan.plan_id, counts)


async def _store_responses(uow: UnitOfWork, ctx: PlanContext, rows: Sequence[ResponseRow],
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
    changed = await _recompute(uow, ctx.plan.plan_id, pairs, ctx)
    return ImportReport(len(rows), len(outcome.accepted), outcome.unchanged + same,
                        sorted(set(differing + outcome.differing)), len(changed))


async def import_responses(uow: UnitOfWork, plan_id: str, records: Sequence[Any], *,
                           base: str = "$.survey_responses", path_of=None) -> dict[str, Any]:
    """Validate and store responses (all or nothing); publish one score event per changed (unit, round)."""
    async with uow:
        await uow.repo.lock_plan_scores(plan_id)
        ctx = await load_context(uow.repo, plan_id)
        rows, problems = validate_responses(ctx, records, base, path_of)
        if problems:
            raise InvalidInput(f"{len(problems)} problem(s) in the responses; nothing was stored", problems=problems)
        report = await _store_responses(uow, ctx, rows)
        await uow.commit()
    log.info("responses.imported", plan_id=plan_id, **{k: v for k, v in report.as_dict().items() if k != "differing_ids"})
    return report.as_dict()


async def import_bundle(uow: UnitOfWork, doc: Mapping[str, Any]) -> dict[str, Any]:
    """`POST /v1/import`: plan (rounds, strata), units, per-unit strata and responses, idempotently."""
    async with uow:
        problems: list[FieldProblem] = []
        parsed = _parse_plan(doc.get("plan"), problems)
        change = parsed and await _define_plan(uow.repo, parsed, doc.get("units"), doc.get("survey_strata"), problems)
        if not change:
            raise _refused("the bundle", problems)
        ctx = await load_context(uow.repo, change.plan_id)
        records = doc.get("survey_responses") or []
        if not isinstance(records, list):
            raise InvalidInput("survey_responses must be a list",
                               problems=[FieldProblem("$.survey_responses", "must be a list")])
        rows, problems = validate_responses(ctx, records)
        if problems:
            raise InvalidInput(f"{len(problems)} problem(s) in the bundle; nothing was stored", problems=problems)
        # when weights or answer scores changed, every (unit, round) with responses is re-scored
        report = await _apply_plan_change(uow, change, rows)
        await uow.commit()
    result = {"plan": change.plan_id, **change.counts, "survey_responses": report.as_dict()}
    log.info("bundle.imported", plan_id=change.plan_id, accepted=report.accepted, scores_updated=report.scores_updated)
    return result


def _score_record(unit_id: str, round_id: str, version: int, strata: Mapping[str, Mapping[str, int]],
                  weights: Mapping[str, Decimal]) -> ScoreRecord:
    try:
        rs = round_score_from_counts(round_id, strata, weights)
    except ScoringError as exc:  # only if stored responses no longer fit the plan (refused on the way in)
        raise Conflict(f"unit {unit_id!r}, round {round_id!r} cannot be scored: {exc}") from None
    out = [] if rs is None else [
        {"stratum": s.stratum, "n": s.n, "mean": str(s.mean), "sd": str(s.sd), "weight": str(s.weight)}
        for s in rs.strata]
    return ScoreRecord(unit_id, round_id, version, "" if rs is None else str(rs.score),
                       "" if rs is None else str(rs.se), sum(responses_in(c) for c in strata.values()), out)


def _same(a: ScoreRecord, b: ScoreRecord) -> bool:
    return (a.score, a.se, a.responses, a.strata) == (b.score, b.se, b.responses, b.strata)


def score_event(plan_id: str, s: ScoreRecord) -> surveys_pb2.SurveyScoreUpdated:
    """The published contract of a round score (no personal data, decimals as strings)."""
    return surveys_pb2.SurveyScoreUpdated(
        plan_id=plan_id, unit_id=s.unit_id, round_id=s.round_id, version=s.version, score=s.score, se=s.se,
        responses=s.responses,
        strata=[surveys_pb2.StratumScore(stratum=h["stratum"], n=h["n"], mean=h["mean"], sd=h["sd"],
                                         weight=h["weight"]) for h in s.strata])


async def _recompute(uow: UnitOfWork, plan_id: str, pairs: Iterable[tuple[str, str]],
                     ctx: PlanContext | None = None) -> list[ScoreRecord]:
    """Re-score (unit, round) pairs from their aggregates; store and publish the ones that changed."""
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
    changed = []
    for unit_id, round_id in pairs:
        old = current.get((unit_id, round_id))
        new = _score_record(unit_id, round_id, (old.version if old else 0) + 1, aggregates[(unit_id, round_id)],
                            ctx.unit_weights(unit_id))
        if old is not None and _same(old, new):
            continue
        env = await uow.emit(score_event(plan_id, new), plan_id=plan_id, unit_id=unit_id,
                             aggregate_id=f"{unit_id}:{round_id}", version=new.version)
        stored_score = ScoreRecord(new.unit_id, new.round_id, new.version, new.score, new.se, new.responses,
                                   new.strata, env.SerializeToString(deterministic=True))
        await uow.repo.save_score(plan_id, stored_score)
        changed.append(stored_score)
    return changed


# --- plans and units published by the indicators service (the consumer) ---------------------


def _listed(problems: Sequence[FieldProblem], most: int = 5) -> str:
    """Problems in the error's detail: a parked event keeps only that text."""
    more = f" (and {len(problems) - most} more)" if len(problems) > most else ""
    return "; ".join(str(p) for p in problems[:most]) + more


async def apply_plan_published(uow: UnitOfWork, plan_id: str, version: int, plan_json: str) -> str:
    """PlanPublished, inside the consumer's transaction: a newer version of the plan configures its
    rounds, default strata weights and answer scores (and re-scores stored responses if they
    changed); an older or the same version is ignored. Returns what it did; raises
    PlanEventRejected (the consumer parks the event) when the plan cannot be taken."""
    if not plan_id or version <= 0:
        raise PlanEventRejected(f"PlanPublished without a plan id or a version (plan {plan_id!r}, v{version})")
    try:
        doc = jsonutil.loads(plan_json)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PlanEventRejected(f"PlanPublished {plan_id} v{version}: plan_json is not JSON: {exc}") from None
    plan = doc.get("plan") if isinstance(doc, dict) else None
    if not isinstance(plan, dict) or plan.get("id") != plan_id:
        raise PlanEventRejected(f"PlanPublished {plan_id} v{version}: plan_json must hold the plan {plan_id!r}")
    problems: list[FieldProblem] = []
    parsed = _parse_plan(plan, problems)
    if parsed is None:
        raise PlanEventRejected(f"PlanPublished {plan_id} v{version}: the plan is invalid: {_listed(problems)}",
                                problems=problems)
    if parsed.survey is None:
        log.info("plan.ignored", plan_id=plan_id, version=version, reason="no survey part")
        return "no survey"
    await uow.repo.lock_plan_scores(plan_id)
    stored = await uow.repo.get_plan(plan_id)
    if stored is not None and stored.version >= version:
        log.info("plan.ignored", plan_id=plan_id, version=version, applied=stored.version, reason="stale")
        return "stale"
    change = await _define_plan(uow.repo, parsed, [], [], problems, version=version)
    if change is None:
        raise PlanEventRejected(f"PlanPublished {plan_id} v{version} was refused: {_listed(problems)}",
                                problems=problems)
    report = await _apply_plan_change(uow, change)
    log.info("plan.applied", plan_id=plan_id, version=version, scores_updated=report.scores_updated)
    return "applied"


async def apply_unit_upserted(uow: UnitOfWork, plan_id: str, unit_id: str, name: str, kind: str,
                              version: int) -> bool:
    """UnitUpserted, inside the consumer's transaction: the unit becomes known to the plan's survey
    (responses, frames and samples may name it); an older or the same version is ignored."""
    if not plan_id or not unit_id or version <= 0:
        raise UnitEventRejected(f"UnitUpserted without a plan id, unit id or version "
                                f"(plan {plan_id!r}, unit {unit_id!r}, v{version})")
    # the plan's lock before any row of it, like every other writer: an import holding the lock and
    # waiting for this unit's row while this transaction waits for the lock would be a deadlock
    await uow.repo.lock_plan_scores(plan_id)
    return await uow.repo.upsert_unit(plan_id, unit_id, name, kind, version)


Z95 = Decimal("1.959963984540054")  # the 0.975 quantile of the standard normal


def score_view(plan_id: str, s: ScoreRecord) -> dict[str, Any]:
    """A round score with its 95% interval S ± z·SE (normal approximation)."""
    view: dict[str, Any] = {"plan": plan_id, "unit": s.unit_id, "round": s.round_id, "version": s.version,
                            "score": s.score or None, "se": s.se or None, "ci95": None,
                            "responses": s.responses, "strata": s.strata}
    if s.score:
        score, se = Decimal(s.score), Decimal(s.se)
        view["ci95"] = [str(score - Z95 * se), str(score + Z95 * se)]
    return view


async def get_scores(uow: UnitOfWork, plan_id: str, *, unit_id: str | None = None,
                     round_id: str | None = None) -> list[dict[str, Any]]:
    async with uow:
        await load_context(uow.repo, plan_id)
        return [score_view(plan_id, s) for s in await uow.repo.get_scores(plan_id, unit_id=unit_id, round_id=round_id)]


# --- frames (personal data) ------------------------------------------------------------------


def _context(respondent_id: str, column: str) -> str:
    return f"{respondent_id}/{column}"


def encrypt_frame(cipher: PiiCipher, frame: Frame) -> list[EncryptedRespondent]:
    """Encrypt each member's name, phone and address, bound to its respondent id and column."""
    return [EncryptedRespondent(e.respondent_id, e.stratum,
                                cipher.encrypt(e.name, context=_context(e.respondent_id, "name")),
                                cipher.encrypt(e.phone, context=_context(e.respondent_id, "phone")),
                                cipher.encrypt(e.address, context=_context(e.respondent_id, "address")), e.row)
            for e in frame.entries]


async def frame_groups(uow: UnitOfWork, plan_id: str, round_id: str, unit_id: str) -> tuple[str, ...]:
    """The strata a frame for this unit and round may use (checked before the file is parsed)."""
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        if round_id not in ctx.rounds:
            raise NotFound(f"plan {plan_id!r} has no round {round_id!r}")
        if unit_id not in ctx.units:
            raise NotFound(f"plan {plan_id!r} has no unit {unit_id!r}")
        return tuple(ctx.unit_weights(unit_id))


async def upload_frame(uow: UnitOfWork, cipher: PiiCipher, plan_id: str, round_id: str, unit_id: str,
                       frame: Frame, filename: str = "") -> dict[str, Any]:
    """Store a validated frame (personal data encrypted); replaces the unit's frame until it is sampled."""
    members = encrypt_frame(cipher, frame)
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await _round(uow.repo, ctx, round_id, lock=True)
        if rnd.state is RoundState.CLOSED:
            raise Conflict(f"round {round_id!r} is closed: no new frame")
        if unit_id not in ctx.units:
            raise NotFound(f"plan {plan_id!r} has no unit {unit_id!r}")
        if await uow.repo.get_sample(plan_id, round_id, unit_id) is not None:
            raise Conflict(f"unit {unit_id!r} already has a sample in round {round_id!r}: its frame is frozen")
        record = FrameRecord(new_id(), plan_id, round_id, unit_id, frame_sha256(frame.keys()), len(frame),
                             frame.strata_sizes(), filename[:200])
        await uow.repo.replace_frame(record, members)
        await uow.commit()
    log.info("frame.stored", plan_id=plan_id, round_id=round_id, unit_id=unit_id, respondents=len(frame),
             frame_sha256=record.sha256)
    return frame_view(record)


def frame_view(f: FrameRecord) -> dict[str, Any]:
    return {"frame_id": f.frame_id, "plan": f.plan_id, "round": f.round_id, "unit": f.unit_id,
            "frame_sha256": f.sha256, "respondents": f.respondents, "strata": f.strata_sizes}


async def get_frame(uow: UnitOfWork, plan_id: str, round_id: str, unit_id: str) -> dict[str, Any]:
    async with uow:
        f = await uow.repo.current_frame(plan_id, round_id, unit_id)
        if f is None:
            raise NotFound(f"no frame for unit {unit_id!r} in round {round_id!r}")
        return frame_view(f)


# --- samples ---------------------------------------------------------------------------------


async def _redraw(repo: AbstractSurveysRepository, rec: SampleRecord) -> Sample:
    keys = await repo.frame_keys(rec.frame_id)
    sample = draw_sample(keys, rec.size, rec.seed, allocation=rec.allocation, sds=rec.sds,
                         reserve_rate=rec.reserve_rate)
    if sample.frame_sha256 != rec.frame_sha256:
        raise Conflict("the stored frame no longer matches the sample's frame hash")
    return sample


def sample_view(rec: SampleRecord, sample: Sample) -> dict[str, Any]:
    return {"plan": rec.plan_id, "round": rec.round_id, "unit": rec.unit_id, "algorithm": rec.algorithm,
            "seed": str(rec.seed), "frame_sha256": rec.frame_sha256, "allocation": rec.allocation, "size": rec.size,
            "sds": rec.sds, "reserve_rate": str(rec.reserve_rate), "allocated": rec.allocated,
            "sampled": [{"respondent_id": k.respondent_id, "stratum": k.stratum} for k in sample.respondents()],
            "reserve": {h: list(sample.reserve(h)) for h in sample.strata}}


async def draw_unit_sample(uow: UnitOfWork, plan_id: str, round_id: str, unit_id: str, *, size: int,
                           seed: int | None = None, allocation: str = "proportional",
                           sds: Mapping[str, str] | None = None, reserve_rate: Decimal | str = "0") -> dict[str, Any]:
    """Draw the unit's stratified quota random sample from its current frame; store seed and frame hash."""
    seed = secrets.randbits(62) if seed is None else seed
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await _round(uow.repo, ctx, round_id, lock=True)
        frame = await uow.repo.current_frame(plan_id, round_id, unit_id)
        if frame is None:
            raise Conflict(f"upload a frame for unit {unit_id!r} in round {round_id!r} first")
        if await uow.repo.get_sample(plan_id, round_id, unit_id) is not None:
            raise Conflict(f"unit {unit_id!r} already has a sample in round {round_id!r}")
        keys = await uow.repo.frame_keys(frame.frame_id)
        sds_dec = {h: Decimal(str(v)) for h, v in sds.items()} if sds else None
        sample = draw_sample(keys, size, seed, allocation=allocation, sds=sds_dec, reserve_rate=Decimal(str(reserve_rate)))
        fw = Fieldwork.start(rnd, unit_id, sample)
        rec = SampleRecord(plan_id, round_id, unit_id, frame.frame_id, sample.algorithm, sample.seed,
                           sample.frame_sha256, sample.allocation.value, sample.size,
                           {h: str(v) for h, v in sample.sds.items()} if sample.sds else None,
                           sample.reserve_rate, sample.allocated())
        await uow.repo.save_sample(rec)
        await uow.repo.save_fieldwork(plan_id, round_id, unit_id,
                                      FieldworkState(list(fw.respondents.values()), []), [])
        await uow.commit()
    log.info("sample.drawn", plan_id=plan_id, round_id=round_id, unit_id=unit_id, size=size,
             frame_sha256=rec.frame_sha256)
    return sample_view(rec, sample)


async def get_sample(uow: UnitOfWork, plan_id: str, round_id: str, unit_id: str) -> dict[str, Any]:
    async with uow:
        rec = await uow.repo.get_sample(plan_id, round_id, unit_id)
        if rec is None:
            raise NotFound(f"no sample for unit {unit_id!r} in round {round_id!r}")
        return sample_view(rec, await _redraw(uow.repo, rec))


# --- fieldwork -------------------------------------------------------------------------------


async def _fieldwork(repo: AbstractSurveysRepository, plan_id: str, round_id: str, unit_id: str) -> tuple[Fieldwork, int]:
    rec = await repo.get_sample(plan_id, round_id, unit_id, lock=True)  # serialises fieldwork of one unit
    if rec is None:
        raise NotFound(f"no sample for unit {unit_id!r} in round {round_id!r}")
    sample = await _redraw(repo, rec)
    state = await repo.load_fieldwork(plan_id, round_id, unit_id)
    return Fieldwork(round_id, unit_id, sample, state.members, state.interviews), len(state.interviews)


async def assign(uow: UnitOfWork, plan_id: str, round_id: str, unit_id: str, interviewers: Sequence[str],
                 strategy: str = "round_robin") -> dict[str, Any]:
    """Assign the unit's open sampled respondents to interviewers."""
    async with uow:
        fw, _ = await _fieldwork(uow.repo, plan_id, round_id, unit_id)
        done = fw.assign(interviewers, strategy)
        await uow.repo.save_fieldwork(plan_id, round_id, unit_id, FieldworkState(list(fw.respondents.values())), [])
        await uow.commit()
    return {"assigned": len(done), "workload": fw.workload()}


async def record_interview(uow: UnitOfWork, plan_id: str, round_id: str, unit_id: str, *, interview_id: str,
                           respondent_id: str, interviewer: str, mode: str, outcome: str,
                           answers: Any = None) -> dict[str, Any]:
    """Record one interview; a completed one becomes a response and re-scores the unit's round."""
    async with uow:
        await uow.repo.lock_plan_scores(plan_id)
        ctx = await load_context(uow.repo, plan_id)
        rnd = await _round(uow.repo, ctx, round_id)
        fw, _ = await _fieldwork(uow.repo, plan_id, round_id, unit_id)
        member = fw.respondents.get(respondent_id)
        if member is not None and member.interviewer and member.interviewer != interviewer:
            raise Forbidden(f"respondent {respondent_id!r} is assigned to another interviewer")
        before = len(fw.interviews)
        interview = fw.record_interview(rnd, interview_id=interview_id, respondent_id=respondent_id,
                                        interviewer=interviewer, mode=mode, outcome=outcome, answers=answers)
        await uow.repo.save_fieldwork(plan_id, round_id, unit_id, FieldworkState(list(fw.respondents.values())),
                                      fw.interviews[before:])
        report = None
        if interview.answers is not None:
            row = ResponseRow(interview.id, unit_id, round_id, interview.stratum, interview.mode.value, interview.answers)
            rows, problems = validate_responses(ctx, [{"id": row.response_id, "unit": unit_id, "round": round_id,
                                                       "stratum": row.stratum, "mode": row.mode,
                                                       "answers": list(row.answers)}], "$")
            if problems:
                raise InvalidInput("the response does not fit the plan", problems=problems)
            outcome_ = await uow.repo.insert_responses(plan_id, rows, response_scorer(ctx.plan.answer_scores), "fieldwork")
            if not outcome_.accepted:
                raise Conflict(f"response {interview.id!r} was already recorded")
            report = await _recompute(uow, plan_id, [(unit_id, round_id)], ctx)
        await uow.commit()
    log.info("interview.recorded", plan_id=plan_id, round_id=round_id, unit_id=unit_id, interview_id=interview_id,
             outcome=interview.outcome.value)
    return {"interview_id": interview.id, "respondent_id": respondent_id, "outcome": interview.outcome.value,
            "replacement_id": interview.replacement_id, "score_version": report[0].version if report else None}


def _progress_view(fw: Fieldwork) -> dict[str, Any]:
    return {h: {"allocated": p.allocated, "issued": p.issued, "completed": p.completed, "refused": p.refused,
                "unreachable": p.unreachable, "replaced": p.replaced, "pending": p.pending,
                "response_rate": None if p.response_rate is None else str(p.response_rate),
                "quota_fill": None if p.quota_fill is None else str(p.quota_fill)}
            for h, p in fw.progress().items()}


async def fieldwork_status(uow: UnitOfWork, plan_id: str, round_id: str, unit_id: str) -> dict[str, Any]:
    """Per-stratum progress and response rates, and every sampled respondent (ids only)."""
    async with uow:
        fw, _ = await _fieldwork(uow.repo, plan_id, round_id, unit_id)
    return {"plan": plan_id, "round": round_id, "unit": unit_id, "strata": _progress_view(fw),
            "workload": fw.workload(),
            "respondents": [{"respondent_id": r.respondent_id, "stratum": r.stratum, "status": r.status.value,
                             "interviewer": r.interviewer, "draw_number": r.draw_number, "replaces": r.replaces}
                            for r in sorted(fw.respondents.values(), key=lambda r: (r.stratum, r.position))]}


def _decrypt(cipher: PiiCipher, m: EncryptedRespondent) -> dict[str, str]:
    return {"respondent_id": m.respondent_id, "stratum": m.stratum,
            "name": cipher.decrypt(m.name_enc, context=_context(m.respondent_id, "name")),
            "phone": cipher.decrypt(m.phone_enc, context=_context(m.respondent_id, "phone")),
            "address": cipher.decrypt(m.address_enc, context=_context(m.respondent_id, "address"))}


async def respondent_contact(uow: UnitOfWork, cipher: PiiCipher, plan_id: str, round_id: str, unit_id: str,
                             respondent_id: str, actor: str | None) -> dict[str, Any]:
    """A respondent's name, phone and address, for the interviewer assigned to them only."""
    if not actor:
        raise Forbidden("personal data is shown only to the assigned interviewer (X-Actor header)")
    async with uow:
        fw, _ = await _fieldwork(uow.repo, plan_id, round_id, unit_id)
        member = fw.respondents.get(respondent_id)
        if member is None or member.interviewer != actor:
            raise Forbidden("personal data is shown only to the interviewer assigned to the respondent")
        rec = await uow.repo.get_sample(plan_id, round_id, unit_id)
        assert rec is not None
        found = await uow.repo.frame_members(rec.frame_id, [respondent_id])
    if not found:
        raise NotFound(f"respondent {respondent_id!r} is not in the frame")
    log.info("pii.viewed", plan_id=plan_id, round_id=round_id, unit_id=unit_id, respondent_id=respondent_id,
             actor=actor)
    return {**_decrypt(cipher, found[0]), "status": member.status.value, "interviewer": actor}


async def my_assignments(uow: UnitOfWork, cipher: PiiCipher, plan_id: str, actor: str | None) -> list[dict[str, Any]]:
    """The actor's assigned respondents with their contact details (decrypted for them alone)."""
    if not actor:
        raise Forbidden("an interviewer id (X-Actor header) is required")
    out = []
    async with uow:
        rows = await uow.repo.assignments_of(plan_id, actor)
        by_unit: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for round_id, unit_id, rid, stratum, status in rows:
            by_unit.setdefault((round_id, unit_id), []).append((rid, stratum, status))
        for (round_id, unit_id), members in by_unit.items():
            rec = await uow.repo.get_sample(plan_id, round_id, unit_id)
            if rec is None:
                continue
            status = {rid: st for rid, _, st in members}
            for m in await uow.repo.frame_members(rec.frame_id, status):
                out.append({"round": round_id, "unit": unit_id, **_decrypt(cipher, m), "status": status[m.respondent_id]})
    log.info("pii.assignments_viewed", plan_id=plan_id, actor=actor, respondents=len(out))
    return out

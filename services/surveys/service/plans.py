"""A plan's survey part (rounds, strata weights, answer scores) and units, and the rounds' states."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.errors import FieldProblem, InvalidInput
from jixiao.rules.model import NO_ANSWER, Plan
from services.surveys.adapters.plans import PlanRecord, RoundRecord
from services.surveys.adapters.repository import AbstractSurveysRepository
from services.surveys.adapters.responses import ResponseRow
from services.surveys.domain.rounds import Round, RoundState

from .common import load_context, load_round, log, read_plan, refused
from .responses import ImportReport, reaggregate, store_responses
from .unit_of_work import AbstractUnitOfWork


@dataclass(frozen=True)
class PlanChange:
    """What storing a plan's survey part changed, so the use case knows what to re-score."""

    plan_id: str
    counts: dict[str, int]
    reaggregate: bool  # the answer scores changed: every stored response's r changes
    rescore: bool  # weights or answer scores changed: every stored round score is re-computed
    stored: dict[str, Any] | None = None  # what was stored (the audit row's `after`)


async def store_plan(
    repo: AbstractSurveysRepository,
    parsed: Plan,
    units: Any,
    strata: Any,
    problems: list[FieldProblem],
    *,
    version: int = 0,
) -> PlanChange | None:
    """Validate and store a plan's survey part (its defaults replace the stored ones), its units and
    per-unit stratum weights; None (with `problems`) when refused, and then nothing is written.

    Refused as well: a closed round whose weight or period would change, and answer scores or
    weights that stored responses would no longer fit (an answer without a score, a stratum with
    counted responses without a weight): scoring.md rejects such responses, so the plan is refused."""
    if parsed.survey is None:
        problems.append(FieldProblem("$.plan.survey", "the plan has no survey part"))
        return None
    await repo.lock_plan_scores(parsed.id)
    unit_rows = _unit_rows(units, problems)
    known_units = await repo.unit_ids(parsed.id) | {u for u, _, _ in unit_rows}
    overrides = _stratum_overrides(strata, known_units, problems)
    if problems:
        return None
    stored = {r.round_id: r for r in await repo.list_rounds(parsed.id)}
    _check_closed_rounds(parsed, stored, problems)
    old_plan = await repo.get_plan(parsed.id)
    old_weights = await repo.stratum_weights(parsed.id)
    answer_scores = dict(parsed.survey.answer_scores)
    answers_changed = old_plan is not None and dict(old_plan.answer_scores) != answer_scores
    if old_plan is not None:
        await _check_stored_responses_fit(repo, parsed, old_plan, old_weights, overrides, problems)
    if problems:
        return None
    await _write_plan(repo, parsed, version, stored, unit_rows, overrides)
    rescore = old_plan is None or answers_changed or await repo.stratum_weights(parsed.id) != old_weights
    return PlanChange(
        parsed.id,
        {
            "rounds": len(parsed.survey.rounds),
            "units": len(unit_rows),
            "survey_strata": sum(len(w) for w in overrides.values()),
        },
        answers_changed,
        rescore,
        {
            "version": version,
            "name": parsed.name,
            "year": parsed.year,
            "rounds": [{"id": r.id, "weight": r.weight, "period": r.period} for r in parsed.survey.rounds],
            "strata": dict(parsed.survey.strata),
            "answer_scores": answer_scores,
            "units": [{"id": u, "name": n, "kind": k} for u, n, k in unit_rows],
            "survey_strata": overrides,
        },
    )


def _unit_rows(units: Any, problems: list[FieldProblem]) -> list[tuple[str, str, str]]:
    """(id, name, kind) of each unit given; a unit without an id is a problem."""
    unit_rows: list[tuple[str, str, str]] = []
    for i, u in enumerate(units or []):
        uid = u.get("id") if isinstance(u, dict) else None
        if not isinstance(uid, str) or not uid:
            problems.append(FieldProblem(f"$.units[{i}].id", "a unit needs a string id"))
            continue
        unit_rows.append((uid, str(u.get("name") or ""), str(u.get("kind") or "")))
    return unit_rows


def _stratum_overrides(
    strata: Any, known_units: set[str], problems: list[FieldProblem]
) -> dict[str, dict[str, Decimal]]:
    """{unit: {stratum: weight}} of a bundle's `survey_strata`, each checked."""
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
    return overrides


def _check_closed_rounds(parsed: Plan, stored: Mapping[str, RoundRecord], problems: list[FieldProblem]) -> None:
    """A closed round keeps its weight and period."""
    for pos, rnd in enumerate(parsed.survey.rounds):
        old = stored.get(rnd.id)
        if (
            old is not None
            and old.state == RoundState.CLOSED.value
            and (old.weight, old.period) != (rnd.weight, rnd.period)
        ):
            problems.append(
                FieldProblem(
                    f"$.plan.survey.rounds[{pos}]", f"round {rnd.id!r} is closed: its weight and period cannot change"
                )
            )


async def _check_stored_responses_fit(
    repo: AbstractSurveysRepository,
    parsed: Plan,
    old_plan: PlanRecord,
    old_weights: Mapping[str, Mapping[str, Decimal]],
    overrides: Mapping[str, Mapping[str, Decimal]],
    problems: list[FieldProblem],
) -> None:
    """Every answer the stored responses use keeps a score, every stratum they count in a weight."""
    answer_scores = dict(parsed.survey.answer_scores)
    if set(old_plan.answer_scores) - set(answer_scores):
        unscored = sorted(await repo.answers_in_use(parsed.id) - set(answer_scores) - {NO_ANSWER})
        if unscored:
            problems.append(
                FieldProblem(
                    "$.plan.survey.answer_scores",
                    "stored responses use answer(s) " + ", ".join(map(repr, unscored)) + ": they need a score",
                )
            )
    defaults = dict(parsed.survey.strata)
    for unit, stratum in sorted(await repo.scored_strata(parsed.id)):
        if stratum not in {**defaults, **old_weights.get(unit, {}), **overrides.get(unit, {})}:
            problems.append(
                FieldProblem(
                    "$.plan.survey.strata", f"stored responses of unit {unit!r} in stratum {stratum!r} need a weight"
                )
            )


async def _write_plan(
    repo: AbstractSurveysRepository,
    parsed: Plan,
    version: int,
    stored: Mapping[str, RoundRecord],
    unit_rows: Sequence[tuple[str, str, str]],
    overrides: Mapping[str, Mapping[str, Decimal]],
) -> None:
    """The plan, its rounds (a stored round keeps its state), units, default and per-unit weights."""
    await repo.save_plan(PlanRecord(parsed.id, parsed.name, parsed.year, dict(parsed.survey.answer_scores), version))
    for pos, rnd in enumerate(parsed.survey.rounds):
        old = stored.get(rnd.id)
        await repo.upsert_round(
            parsed.id, RoundRecord(rnd.id, rnd.weight, rnd.period, old.state if old else RoundState.OPEN.value, pos)
        )
    await repo.add_units(parsed.id, unit_rows)
    await repo.set_stratum_weights(parsed.id, "", dict(parsed.survey.strata), replace=True)
    for unit, weights in overrides.items():
        await repo.set_stratum_weights(parsed.id, unit, weights)


async def apply_plan_change(
    uow: AbstractUnitOfWork, change: PlanChange, rows: Sequence[ResponseRow] = ()
) -> ImportReport:
    """After a plan was stored: re-aggregate if its answer scores changed, store new responses, and
    re-score what changed (every stored (unit, round) when weights or answer scores did)."""
    await uow.audit("plan.stored", entity_type="plan", entity_id=change.plan_id, after=change.stored)
    ctx = await load_context(uow.repo, change.plan_id)
    if change.reaggregate:
        await reaggregate(uow.repo, ctx)
    return await store_responses(uow, ctx, rows, rescore_all=change.rescore)


async def define_plan(uow: AbstractUnitOfWork, doc: Mapping[str, Any]) -> dict[str, Any]:
    """Create or update a plan's survey part (rounds, strata weights, answer scores) and units."""
    async with uow:
        problems: list[FieldProblem] = []
        parsed = read_plan(doc.get("plan"), problems)
        change = parsed and await store_plan(uow.repo, parsed, doc.get("units"), doc.get("survey_strata"), problems)
        if not change:
            raise refused("the plan", problems)
        report = await apply_plan_change(uow, change)
        await uow.commit()
    return {"plan": change.plan_id, **change.counts, "scores_updated": report.scores_updated}


async def move_round(uow: AbstractUnitOfWork, plan_id: str, round_id: str, target: str) -> dict[str, Any]:
    """open → fieldwork → closed."""
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await load_round(uow.repo, ctx, round_id, lock=True)
        before = rnd.state.value
        if target == RoundState.FIELDWORK.value:
            rnd.start_fieldwork()
        elif target == RoundState.CLOSED.value:
            rnd.close()
        else:
            raise InvalidInput(
                f"unknown state {target!r}", problems=[FieldProblem("state", "expected fieldwork or closed")]
            )
        await uow.repo.save_round(rnd)
        await uow.audit(
            "round.moved",
            entity_type="round",
            entity_id=f"{plan_id}:{round_id}",
            before={"state": before},
            after={"state": rnd.state.value},
        )
        await uow.commit()
    log.info("round.moved", plan_id=plan_id, round_id=round_id, state=rnd.state.value)
    return round_view(rnd)


def round_view(rnd: Round) -> dict[str, Any]:
    return {
        "round": rnd.id,
        "plan": rnd.plan_id,
        "weight": str(rnd.weight),
        "period": rnd.period,
        "state": rnd.state.value,
        "groups": list(rnd.groups),
        "questionnaires": {g: len(v) for g, v in sorted(rnd.questionnaires.items())},
    }


async def get_rounds(uow: AbstractUnitOfWork, plan_id: str) -> list[dict[str, Any]]:
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        return [round_view(await load_round(uow.repo, ctx, r)) for r in ctx.rounds]


async def get_round(uow: AbstractUnitOfWork, plan_id: str, round_id: str) -> dict[str, Any]:
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        return round_view(await load_round(uow.repo, ctx, round_id))

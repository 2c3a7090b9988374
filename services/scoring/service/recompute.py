"""Recompute units from their stored facts: provisional scores, their history and UnitScoreUpdated.

The rules are the domain's (`score_unit`, `grade_period`); this module only decides which units and
periods to score, stores what changed and writes the score events through the outbox.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from jixiao.errors import Conflict, FieldProblem, NotFound
from jixiao.logging import get_logger
from jixiao.messaging.envelope import Envelope, occurred_at
from jixiao.rules.errors import ScoringError
from jixiao.rules.exactjson import dumps
from jixiao.rules.model import Plan, Unit, UnitFacts
from jixiao.rules.periods import PERIODS
from services.scoring.adapters.facts import unit_facts, unit_from_row
from services.scoring.adapters.repository import AbstractScoringRepository
from services.scoring.adapters.source_events import Touch
from services.scoring.domain.grading import grade_period, period_left_out, score_unit
from services.scoring.domain.model import UnitScore
from services.scoring.domain.progress import with_previous
from services.scoring.domain.results import explanation_to_dict, unit_to_dict
from services.scoring.service import events
from services.scoring.service.common import ERROR, YEAR, Dependencies, provisional_entry
from services.scoring.service.unit_of_work import AbstractUnitOfWork

log = get_logger("scoring.handlers")

Scores = dict[str, dict[str, UnitScore | str]]  # {unit: {period: UnitScore, or why the rules refused}}


@dataclass
class Trigger:
    """An event that led to a recompute (for the history and the event-to-score latency)."""

    event_id: str
    type: str
    occurred_at: datetime


@dataclass
class Touched:
    """Units to recompute, per plan (None = every unit), with the events that touched them."""

    units: dict[str, set[str] | None] = field(default_factory=dict)
    triggers: dict[tuple[str, str], list[Trigger]] = field(default_factory=dict)

    def add(self, touch: Touch, env: Envelope | None = None) -> None:
        """Remember a unit (or the whole plan) to recompute, and the event that touched it."""
        current = self.units.get(touch.plan_id, set())
        if touch.unit_id is None or current is None:
            self.units[touch.plan_id] = None
        else:
            current.add(touch.unit_id)
            self.units[touch.plan_id] = current
        if env is not None:
            key = (touch.plan_id, touch.unit_id or "")
            self.triggers.setdefault(key, []).append(Trigger(env.event_id, env.type, occurred_at(env)))

    def clear(self) -> None:
        """Forget everything (after a batch)."""
        self.units.clear()
        self.triggers.clear()


@dataclass(frozen=True)
class _Scored:
    """One unit's score in one period, as it is stored: the results/v1 entry and explanation as JSON."""

    unit: Unit
    period: str
    outcome: UnitScore | str  # the score, or the text of the rules' refusal
    status: str
    total: Decimal | None
    grade: str | None
    entry: dict[str, Any]
    score_json: str
    explanation_json: str

    def values(self, plan_id: str, version: int) -> dict[str, Any]:
        """The unit_scores row of this score at `version`."""
        return {
            "plan_id": plan_id,
            "unit_id": self.unit.id,
            "period": self.period,
            "version": version,
            "status": self.status,
            "group": self.unit.group,
            "total": self.total,
            "grade": self.grade,
            "score_json": self.score_json,
            "explanation_json": self.explanation_json,
        }


def _score(plan: Plan, unit: Unit, facts: UnitFacts, period: str, left_out: frozenset[str] | None = None) -> _Scored:
    try:
        score = score_unit(plan, unit, facts, period, left_out=left_out)
    except ScoringError as exc:
        entry: dict[str, Any] = {"unit": unit.id, "group": unit.group, "status": ERROR, "error": str(exc)}
        return _Scored(
            unit,
            period,
            str(exc),
            ERROR,
            None,
            None,
            entry,
            dumps(entry, indent=None),
            dumps({"error": str(exc)}, indent=None),
        )
    entry = unit_to_dict(plan, score)
    return _Scored(
        unit,
        period,
        score,
        score.status,
        score.total,
        score.grade,
        entry,
        dumps(entry, indent=None),
        dumps(explanation_to_dict(score.explanation), indent=None),
    )


@dataclass
class _Run:
    """One recompute in one unit of work: the history rows it collects and when it ran."""

    deps: Dependencies
    uow: AbstractUnitOfWork
    plan_id: str
    now: datetime
    info: events.PlanInfo
    group_sizes: Mapping[str, int]
    history: list[dict[str, Any]] = field(default_factory=list)
    saves: list[dict[str, Any]] = field(default_factory=list)  # scores to store
    emits: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)  # UnitScoreUpdated to publish
    published: list[list[Trigger]] = field(default_factory=list)  # the triggers of each one

    async def flush(self) -> None:
        """Store the run's scores, history and events with a few statements, whatever its size."""
        await self.uow.repo.save_scores(self.saves)
        await self.uow.repo.add_history(self.history)
        await self.uow.emit_many(self.emits)
        metrics = self.deps.metrics
        for triggers in self.published:
            metrics.scores_published.labels("UnitScoreUpdated").inc()
            for trigger in triggers:
                metrics.event_to_score_latency.observe(max(0.0, (self.now - trigger.occurred_at).total_seconds()))


async def recompute(
    deps: Dependencies,
    uow: AbstractUnitOfWork,
    plan_id: str,
    unit_ids: Iterable[str] | None,
    triggers: Mapping[tuple[str, str], list[Trigger]] | None = None,
    *,
    periods: Sequence[str] | None = None,
    label: str = "events",
    graded: bool = False,
) -> Scores:
    """Score these units (None = all) of a plan again, store changed scores and emit UnitScoreUpdated.

    Returns {unit: {period: UnitScore, or the error text when the rules refuse its facts}}.
    Units are locked (advisory, sorted) so two instances never interleave on one unit. With
    `graded` (closing: every unit, one period) a quarter or half-year the plan grades is scored on
    one formula for all units (`period_left_out`); otherwise it is a provisional progress check.
    """
    started = time.perf_counter()
    repo = uow.repo
    await repo.lock_plan(plan_id, exclusive=unit_ids is None)
    plan_row = await repo.plan_row(plan_id)
    if plan_row is None:
        return {}  # facts wait for the plan (whoever publishes it recomputes every unit)
    plan = deps.plans.of(plan_row)
    rows = await repo.unit_rows(plan_id, None if unit_ids is None else sorted(unit_ids))
    ids = [r.unit_id for r in rows]
    if not ids:
        return {}
    await repo.lock_units(plan_id, ids)
    facts = await repo.fact_rows(plan_id, ids)
    wanted = await _periods_wanted(repo, plan_id, ids, periods)
    current = {p: await repo.current_scores(plan_id, p, ids) for p in sorted({p for ps in wanted.values() for p in ps})}
    info = events.PlanInfo.of(plan, plan_row)
    run = _Run(deps, uow, plan_id, datetime.now(UTC), info, await repo.group_sizes(plan_id))
    triggers, out = triggers or {}, {}
    all_facts = {u: unit_facts(facts[u]) for u in ids}
    if plan.previous_plan is not None:
        all_facts = await _with_previous(deps, repo, plan, all_facts)
    left_out: dict[str, frozenset[str] | None] = {}
    if graded and unit_ids is None:
        left_out = {p: period_left_out(plan, all_facts.values(), p) for p in (periods or ()) if plan.is_graded(p)}
    for row in rows:
        unit = unit_from_row(row)
        unit_triggers = [*triggers.get((plan_id, unit.id), ()), *triggers.get((plan_id, ""), ())]
        for period in wanted[unit.id]:
            scored = _score(plan, unit, all_facts[unit.id], period, left_out.get(period))
            out.setdefault(unit.id, {})[period] = scored.outcome
            deps.metrics.units_recomputed.labels("error" if scored.status == ERROR else "ok").inc()
            _store(run, scored, current[period].get(unit.id), unit_triggers)
    await run.flush()
    deps.metrics.recompute_latency.labels(label).observe(time.perf_counter() - started)
    return out


async def _with_previous(
    deps: Dependencies, repo: AbstractScoringRepository, plan: Plan, facts: dict[str, UnitFacts]
) -> dict[str, UnitFacts]:
    """The units' facts with last year's values for the progress leaves, computed from the previous
    plan's stored confirmed results (none while scoring has not heard of that plan)."""
    row = await repo.plan_row(plan.previous_plan)
    if row is None or not plan.progress_refs():
        return facts
    previous = deps.plans.of(row)
    rows = await repo.fact_rows(previous.id, sorted(facts))
    return with_previous(plan, facts, previous, {u: unit_facts(r) for u, r in rows.items()})


async def following_plans(deps: Dependencies, repo: AbstractScoringRepository, plan_id: str) -> list[str]:
    """The plans that name `plan_id` as their `previous_plan` (their progress leaves read its results)."""
    rows = await repo.plans_mentioning(f'"{plan_id}"')
    return [r.plan_id for r in rows if r.plan_id != plan_id and deps.plans.of(r).previous_plan == plan_id]


async def _periods_wanted(
    repo: AbstractScoringRepository, plan_id: str, ids: list[str], periods: Sequence[str] | None
) -> dict[str, list[str]]:
    """The periods to score per unit: those given, else the year and every period it has results in."""
    if periods is not None:
        return {u: list(periods) for u in ids}
    extra = await repo.result_periods(plan_id, ids)
    return {u: sorted({YEAR} | (extra.get(u, set()) & set(PERIODS))) for u in ids}


def _store(run: _Run, s: _Scored, stored: Any | None, triggers: list[Trigger]) -> None:
    """Queue a changed score as a new version (with history and UnitScoreUpdated); an unchanged one
    keeps its version (only a changed explanation is written over). `_Run.flush` writes them."""
    if stored is not None and stored.score_json == s.score_json:
        if stored.explanation_json != s.explanation_json:
            run.saves.append(s.values(run.plan_id, stored.version))
        return
    version = (stored.version if stored is not None else 0) + 1
    run.saves.append(s.values(run.plan_id, version))
    run.history.append(
        {
            "plan_id": run.plan_id,
            "unit_id": s.unit.id,
            "period": s.period,
            "kind": "provisional",
            "version": version,
            "status": s.status,
            "total": s.total,
            "grade": s.grade,
            "score_json": s.score_json,
            "event_ids_json": json.dumps([t.event_id for t in triggers]),
        }
    )
    if s.status == ERROR:
        log.warning("scoring.unit_refused", plan=run.plan_id, unit=s.unit.id, period=s.period, error=s.entry["error"])
        return
    assert isinstance(s.outcome, UnitScore)
    score = events.unit_score(
        run.info, s.outcome, provisional_entry(s.entry, s.period), s.unit.name, run.group_sizes.get(s.unit.group, 1)
    )
    message = events.unit_score_updated(run.info, s.period, version, score)
    keys = {"plan_id": run.plan_id, "unit_id": s.unit.id, "aggregate_id": f"{run.plan_id}/{s.unit.id}/{s.period}"}
    run.emits.append((message, {**keys, "version": version}))
    run.published.append(triggers)


async def recompute_touched(
    deps: Dependencies, uow: AbstractUnitOfWork, touched: Touched, label: str = "events"
) -> None:
    """Recompute what a batch of applied events touched, plan by plan; a plan whose `previous_plan`
    was touched is recomputed for the same units (its progress leaves compare with those facts)."""
    work = dict(touched.units)
    for plan_id, units in touched.units.items():
        for follower in await following_plans(deps, uow.repo, plan_id):
            current = work.get(follower, set())
            work[follower] = None if units is None or current is None else current | units
    for plan_id in sorted(work):
        await recompute(deps, uow, plan_id, work[plan_id], touched.triggers, label=label)


async def score_and_grade(
    deps: Dependencies, uow: AbstractUnitOfWork, plan_id: str, period: str, label: str
) -> tuple[list[UnitScore], Plan]:
    """Recompute every unit of the plan for `period` and rank them; Conflict if any unit's facts are refused."""
    plan_row = await uow.repo.plan_row(plan_id)
    if plan_row is None:
        raise NotFound(f"plan {plan_id!r} is not known to scoring (no PlanPublished yet)")
    plan = deps.plans.of(plan_row)
    computed = await recompute(deps, uow, plan_id, None, periods=[period], label=label, graded=True)
    refused = {u: s[period] for u, s in computed.items() if isinstance(s[period], str)}
    if refused:
        raise Conflict(
            f"{len(refused)} unit(s) cannot be graded: facts refused by the scoring rules",
            problems=[FieldProblem(f"units.{u}", msg) for u, msg in sorted(refused.items())],
        )
    return grade_period(plan, [s[period] for s in computed.values()], period), plan

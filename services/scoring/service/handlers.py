"""Use cases of the scoring service: apply source facts, recompute units, close periods, re-score, read.

The rules are the domain's (`score_unit`, `grade_period`); this module only decides *which* units to
score, stores what came out and writes the score events through the outbox.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import sqlalchemy as sa

from jixiao.errors import Conflict, FieldProblem, InvalidInput, NotFound
from jixiao.logging import get_logger
from jixiao.messaging.envelope import Envelope, occurred_at, payload_of
from jixiao.proto.events.v1 import scores_pb2
from services.scoring.adapters import orm
from services.scoring.adapters.clients import AbstractSnapshotClient
from services.scoring.adapters.facts import (
    date_field,
    decimal_field,
    parse_plan_json,
    result_id_of,
    score_message_fields,
    strata_json,
    unit_facts,
    unit_from_row,
    version_of,
)
from services.scoring.adapters.repository import SqlAlchemyScoringRepository
from jixiao.rules.errors import ScoringError
from jixiao.rules.exactjson import dumps
from jixiao.rules.model import Plan
from jixiao.rules.periods import PERIODS
from services.scoring.domain.grading import grade_period, rank_within_groups, score_unit
from services.scoring.domain.model import UnitScore
from services.scoring.domain.results import (
    RESULTS_FORMAT,
    explanation_to_dict,
    results_to_dict,
    unit_to_dict,
)
from services.scoring.service.diff import DiffEntry, diff_units
from services.scoring.service.metrics import ScoringMetrics, scoring_metrics
from jixiao.rules import exactjson

log = get_logger("scoring.handlers")

YEAR = "Y"
ALL = None  # "every unit of the plan" in a set of touched units
ERROR = "error"  # stored status of a unit whose facts the rules refuse
APPLY_CHUNK = 500


class UnitOfWork(Protocol):
    repo: SqlAlchemyScoringRepository

    async def emit(self, payload: Any, *, plan_id: str, unit_id: str = "", aggregate_id: str = "",
                   version: int = 0) -> Envelope: ...


# --- applying source events ------------------------------------------------------------------------


@dataclass(frozen=True)
class Touch:
    """What an applied event changed: one unit of a plan, or (unit None) every unit of it."""

    plan_id: str
    unit_id: str | None


async def apply_event(repo: SqlAlchemyScoringRepository, env: Envelope, *, from_snapshot: bool = False) -> Touch | None:
    """Store the fact an event carries (latest version wins); returns what it touched, None if nothing.

    Raises InvalidInput for a payload that cannot be stored (the consumer parks it).
    """
    payload = payload_of(env)
    kind = env.type
    plan_id = getattr(payload, "plan_id", "") or env.plan_id
    if not plan_id:
        raise InvalidInput(f"{kind} {env.event_id}: no plan id")
    version = version_of(payload, env.aggregate_version)
    base = {"plan_id": plan_id, "version": version}
    if kind == "PlanPublished":
        plan = parse_plan_json(payload.plan_json)
        if plan.id != plan_id:
            raise InvalidInput(f"PlanPublished for {plan_id!r} carries plan {plan.id!r}")
        changed = await repo.upsert_latest(orm.plans, {**base, "year": payload.year or plan.year,
                                                       "plan_json": payload.plan_json, "updated_at": sa.func.now()})
        return Touch(plan_id, ALL) if changed else None
    if kind == "PeriodClosed":
        if not from_snapshot:  # a snapshot replays it as a fact: closing again from it would loop
            if payload.period not in PERIODS:
                raise InvalidInput(f"PeriodClosed: unknown period {payload.period!r}")
            await repo.request_close(plan_id, payload.period, payload.closed_by or "indicators")
        return None
    unit_id = getattr(payload, "unit_id", "") or env.unit_id
    if not unit_id:
        raise InvalidInput(f"{kind} {env.event_id}: no unit id")
    base["unit_id"] = unit_id
    changed = False
    if kind == "UnitUpserted":
        if not payload.kind:
            raise InvalidInput(f"UnitUpserted {unit_id}: no kind")
        changed = await repo.upsert_latest(orm.units, {**base, "name": payload.name or unit_id, "kind": payload.kind,
                                                       "group": payload.group or payload.kind,
                                                       "parent": payload.parent or None})
    elif kind == "TargetSet":
        changed = await repo.upsert_latest(orm.targets, {**base, "indicator_id": payload.indicator_id,
                                                         "target": decimal_field(payload.target, "target")})
    elif kind == "IndicatorResultConfirmed":
        if payload.period not in PERIODS:
            raise InvalidInput(f"IndicatorResultConfirmed {payload.result_id}: unknown period {payload.period!r}")
        which = payload.WhichOneof("value")
        changed = await repo.upsert_latest(orm.results, {
            **base, "result_id": result_id_of(payload), "confirmed": payload.confirmed,
            "indicator_id": payload.indicator_id, "part": payload.part, "period": payload.period,
            "actual": decimal_field(payload.actual, "actual") if which == "actual" else None,
            "rating": payload.rating if which == "rating" else None,
            "done": payload.done if which == "done" else None,
            "points": decimal_field(payload.points, "points") if which == "points" else None,
            "confirmed_by": payload.confirmed_by, "event_id": env.event_id})
    elif kind == "SurveyScoreUpdated":
        changed = await repo.upsert_latest(orm.survey_rounds, {
            **base, "round_id": payload.round_id, "score": decimal_field(payload.score, "score", required=False),
            "se": decimal_field(payload.se, "se", required=False),
            "strata_json": strata_json(payload.strata, "strata"), "responses": payload.responses,
            "event_id": env.event_id})
    elif kind == "DeductionRecorded":
        values = {**base, "deduction_id": payload.deduction_id, "recorded": True, "kind": payload.kind,
                  "points": decimal_field(payload.points, "points"), "date": date_field(payload.date, "date"),
                  "aspect": payload.aspect or None, "revoked": False, "reason": None, "event_id": env.event_id}
        changed = await repo.upsert_latest(orm.deductions, values) or await repo.fill_deduction_details(values)
    elif kind == "DeductionRevoked":
        changed = await repo.upsert_latest(
            orm.deductions, {**base, "deduction_id": payload.deduction_id, "recorded": False, "revoked": True,
                             "reason": payload.reason, "event_id": env.event_id},
            update=["revoked", "reason", "version", "event_id"])
    elif kind == "VetoIssued":
        values = {**base, "veto_id": payload.veto_id, "category": payload.category,
                  "date": date_field(payload.date, "date"), "document": payload.document or None,
                  "lifted": False, "event_id": env.event_id}
        changed = await repo.upsert_latest(orm.vetoes, values) or await repo.fill_veto_details(values)
    elif kind == "VetoLifted":
        changed = await repo.upsert_latest(orm.vetoes, {**base, "veto_id": payload.veto_id, "lifted": True,
                                                        "event_id": env.event_id},
                                           update=["lifted", "version", "event_id"])
    else:
        return None  # not a fact scoring keeps (e.g. our own score events)
    return Touch(plan_id, unit_id) if changed else None


# --- the service -------------------------------------------------------------------------------------------


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
        self.units.clear()
        self.triggers.clear()


@dataclass(frozen=True)
class CloseReport:
    """The outcome of ClosePeriod: the snapshot version (new, or the unchanged latest) and the diff."""

    plan_id: str
    period: str
    snapshot_version: int
    units: int
    created: bool
    diff: list[DiffEntry]
    reconciled: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan_id, "period": self.period, "snapshot_version": self.snapshot_version,
                "units": self.units, "created": self.created, "reconciled": self.reconciled,
                "diff": [d.to_dict() for d in self.diff]}


@dataclass(frozen=True)
class RescoreReport:
    """The outcome of a re-score: every unit recomputed from the sources, compared with `against`."""

    plan_id: str
    period: str
    units: int
    against: str              # "snapshot:<version>" or "provisional"
    diff: list[DiffEntry]
    reconciled: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan_id, "period": self.period, "units": self.units, "against": self.against,
                "reconciled": self.reconciled, "diff": [d.to_dict() for d in self.diff]}


Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class _Rankable:
    unit: str
    group: str
    status: str
    total: Decimal | None


class ScoringService:
    """The scoring use cases over a unit-of-work factory and the sources' snapshot clients."""

    def __init__(self, uow_factory: Callable[[], Any], clients: Mapping[str, AbstractSnapshotClient] | None = None,
                 metrics: ScoringMetrics | None = None) -> None:
        self.uow_factory = uow_factory
        self.clients: dict[str, AbstractSnapshotClient] = dict(clients or {})
        self.metrics = metrics or scoring_metrics()
        self._plans: dict[tuple[str, int], Plan] = {}

    def plan_of(self, row: Any) -> Plan:
        """The parsed plan of a stored plan row (cached per plan version)."""
        key = (row.plan_id, row.version)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = parse_plan_json(row.plan_json)
        return plan

    # --- recompute ------------------------------------------------------------------------------------

    async def recompute(self, uow: UnitOfWork, plan_id: str, unit_ids: Iterable[str] | None,
                        triggers: Mapping[tuple[str, str], list[Trigger]] | None = None, *,
                        periods: Sequence[str] | None = None, label: str = "events") -> dict[str, dict[str, UnitScore | str]]:
        """Score these units (None = all) of a plan again, store changed scores and emit UnitScoreUpdated.

        Returns {unit: {period: UnitScore, or the error text when the rules refuse its facts}}.
        Units are locked (advisory, sorted) so two instances never interleave on one unit.
        """
        started = time.perf_counter()
        repo = uow.repo
        await repo.lock_plan(plan_id, exclusive=unit_ids is None)
        plan_row = await repo.plan_row(plan_id)
        if plan_row is None:
            return {}  # facts wait for the plan (whoever publishes it recomputes every unit)
        plan = self.plan_of(plan_row)
        rows = await repo.unit_rows(plan_id, None if unit_ids is None else sorted(unit_ids))
        ids = [r.unit_id for r in rows]
        if not ids:
            return {}
        await repo.lock_units(plan_id, ids)
        facts = await repo.fact_rows(plan_id, ids)
        if periods is None:
            extra = await repo.result_periods(plan_id, ids)
            wanted = {u: sorted({YEAR} | (extra.get(u, set()) & set(PERIODS))) for u in ids}
        else:
            wanted = {u: list(periods) for u in ids}
        current: dict[str, dict[str, Any]] = {}
        for period in sorted({p for ps in wanted.values() for p in ps}):
            current[period] = await repo.current_scores(plan_id, period, ids)
        triggers = triggers or {}
        out: dict[str, dict[str, UnitScore | str]] = {}
        history: list[dict[str, Any]] = []
        now = datetime.now(UTC)
        for row in rows:
            unit = unit_from_row(row)
            unit_triggers = [*triggers.get((plan_id, unit.id), ()), *triggers.get((plan_id, ""), ())]
            for period in wanted[unit.id]:
                try:
                    score: UnitScore | str = score_unit(plan, unit, unit_facts(facts[unit.id]), period)
                except ScoringError as exc:
                    score = str(exc)
                out.setdefault(unit.id, {})[period] = score
                await self._store(uow, plan, unit, period, score, current[period].get(unit.id),
                                  unit_triggers, history, now)
        await repo.add_history(history)
        self.metrics.recompute_latency.labels(label).observe(time.perf_counter() - started)
        return out

    async def _store(self, uow: UnitOfWork, plan: Plan, unit: Any, period: str, score: UnitScore | str,
                     stored: Any | None, triggers: list[Trigger], history: list[dict[str, Any]], now: datetime) -> None:
        plan_id = plan.id
        if isinstance(score, str):
            entry: dict[str, Any] = {"unit": unit.id, "group": unit.group, "status": ERROR, "error": score}
            explanation: dict[str, Any] = {"error": score}
            status, total, grade = ERROR, None, None
            self.metrics.units_recomputed.labels("error").inc()
        else:
            entry = unit_to_dict(plan, score)
            explanation = explanation_to_dict(score.explanation)
            status, total, grade = score.status, score.total, score.grade
            self.metrics.units_recomputed.labels("ok").inc()
        score_json = dumps(entry, indent=None)
        explanation_json = dumps(explanation, indent=None)
        if stored is not None and stored.score_json == score_json:
            if stored.explanation_json != explanation_json:
                await uow.repo.save_score({"plan_id": plan_id, "unit_id": unit.id, "period": period,
                                           "version": stored.version, "status": status, "group": unit.group,
                                           "total": total, "grade": grade, "score_json": score_json,
                                           "explanation_json": explanation_json})
            return
        version = (stored.version if stored is not None else 0) + 1
        await uow.repo.save_score({"plan_id": plan_id, "unit_id": unit.id, "period": period, "version": version,
                                   "status": status, "group": unit.group, "total": total, "grade": grade,
                                   "score_json": score_json, "explanation_json": explanation_json})
        history.append({"plan_id": plan_id, "unit_id": unit.id, "period": period, "kind": "provisional",
                        "version": version, "status": status, "total": total, "grade": grade,
                        "score_json": score_json,
                        "event_ids_json": json.dumps([t.event_id for t in triggers])})
        if status == ERROR:
            log.warning("scoring.unit_refused", plan=plan_id, unit=unit.id, period=period, error=entry["error"])
            return
        message = scores_pb2.UnitScoreUpdated(
            plan_id=plan_id, period=period, version=version,
            score=scores_pb2.UnitScore(**score_message_fields(provisional_entry(entry, period))))
        await uow.emit(message, plan_id=plan_id, unit_id=unit.id, aggregate_id=f"{plan_id}/{unit.id}/{period}",
                       version=version)
        self.metrics.scores_published.labels("UnitScoreUpdated").inc()
        for trigger in triggers:
            self.metrics.event_to_score_latency.observe(max(0.0, (now - trigger.occurred_at).total_seconds()))

    async def apply_batch(self, uow: UnitOfWork, envelopes: Iterable[Envelope], *, from_snapshot: bool = False,
                          recompute: bool = True) -> Touched:
        """Apply envelopes through the same path as the consumer, then recompute what they touched."""
        touched = Touched()
        for env in envelopes:
            touch = await apply_event(uow.repo, env, from_snapshot=from_snapshot)
            if touch is not None:
                touched.add(touch, env)
        if recompute:
            await self.recompute_touched(uow, touched)
        return touched

    async def recompute_touched(self, uow: UnitOfWork, touched: Touched, label: str = "events") -> None:
        for plan_id in sorted(touched.units):
            await self.recompute(uow, plan_id, touched.units[plan_id], touched.triggers, label=label)

    # --- reconciliation --------------------------------------------------------------------------------

    async def reconcile(self, plan_id: str, period: str = "", progress: Progress | None = None) -> dict[str, int]:
        """Apply every source's snapshot of the plan (latest version wins); returns envelopes per source.

        Runs before grading so a final grade never depends on Kafka having delivered everything.
        """
        sources = sorted(self.clients)
        streams = await asyncio.gather(*(self.clients[s].stream(plan_id, period) for s in sources))
        counts = {s: len(envs) for s, envs in zip(sources, streams)}
        envelopes = [env for envs in streams for env in envs]
        total = len(envelopes)
        if progress:
            progress("reconcile", 0, total)
        for start in range(0, total, APPLY_CHUNK):
            async with self.uow_factory() as uow:
                await self.apply_batch(uow, envelopes[start:start + APPLY_CHUNK], from_snapshot=True, recompute=False)
                await uow.commit()
            if progress:
                progress("reconcile", min(total, start + APPLY_CHUNK), total)
        log.info("scoring.reconciled", plan=plan_id, envelopes=counts)
        return counts

    # --- close and re-score ------------------------------------------------------------------------------

    async def close_period(self, plan_id: str, period: str, actor: str, *, reconcile: bool = True,
                           progress: Progress | None = None) -> CloseReport:
        """Reconcile with the sources, grade and rank every unit, store an immutable graded snapshot and
        publish UnitScoreGraded per unit and one PeriodGraded. Closing again without any change returns
        the latest snapshot (no new version); after corrections it makes a new version with the diff."""
        _check_gradable(period)
        try:
            reconciled = await self.reconcile(plan_id, "", progress) if reconcile else {}
            report = await self._grade(plan_id, period, actor, progress)
        except Exception:
            self.metrics.periods_closed.labels("failed").inc()
            raise
        report = CloseReport(**{**report.__dict__, "reconciled": reconciled})
        self.metrics.periods_closed.labels("created" if report.created else "unchanged").inc()
        return report

    async def _grade(self, plan_id: str, period: str, actor: str, progress: Progress | None) -> CloseReport:
        async with self.uow_factory() as uow:
            repo = uow.repo
            await repo.lock_period(plan_id, period)
            plan_row = await repo.plan_row(plan_id)
            if plan_row is None:
                raise NotFound(f"plan {plan_id!r} is not known to scoring (no PlanPublished yet)")
            if progress:
                progress("grade", 0, 1)
            graded, plan = await self._score_all(uow, plan_id, period, label="close")
            entries = [unit_to_dict(plan, s) for s in graded]
            previous = await repo.snapshot(plan_id, period)
            old_entries = exactjson.loads(previous.results_json)["units"] if previous is not None else []
            diff = diff_units(old_entries, _plain_entries(entries))
            if previous is not None and not diff and previous.plan_version == plan_row.version:
                return CloseReport(plan_id, period, previous.version, previous.units, False, [], {})
            version = (previous.version if previous is not None else 0) + 1
            results_json = dumps(results_to_dict(plan, period, graded), indent=1)
            await repo.add_snapshot(
                {"plan_id": plan_id, "period": period, "version": version, "actor": actor,
                 "plan_version": plan_row.version, "units": len(graded), "results_json": results_json,
                 "diff_json": dumps([d.to_dict() for d in diff], indent=None)},
                [{"plan_id": plan_id, "period": period, "version": version, "unit_id": s.unit, "group": s.group,
                  "score_json": dumps(e, indent=None),
                  "explanation_json": dumps(explanation_to_dict(s.explanation), indent=None)}
                 for s, e in zip(graded, entries)])
            await repo.add_history([
                {"plan_id": plan_id, "unit_id": s.unit, "period": period, "kind": "graded", "version": version,
                 "status": s.status, "total": s.total, "grade": s.grade, "score_json": dumps(e, indent=None),
                 "event_ids_json": "[]"} for s, e in zip(graded, entries)])
            for s, e in zip(graded, entries):
                await uow.emit(scores_pb2.UnitScoreGraded(plan_id=plan_id, period=period, snapshot_version=version,
                                                          score=scores_pb2.UnitScore(**score_message_fields(e))),
                               plan_id=plan_id, unit_id=s.unit, aggregate_id=f"{plan_id}/{period}", version=version)
            await uow.emit(scores_pb2.PeriodGraded(plan_id=plan_id, period=period, snapshot_version=version,
                                                   units=len(graded), closed_by=actor),
                           plan_id=plan_id, aggregate_id=f"{plan_id}/{period}", version=version)
            self.metrics.scores_published.labels("UnitScoreGraded").inc(len(graded))
            self.metrics.scores_published.labels("PeriodGraded").inc()
            await uow.commit()
        if progress:
            progress("grade", 1, 1)
        log.info("scoring.period_closed", plan=plan_id, period=period, version=version, units=len(graded),
                 changed=len(diff), actor=actor)
        return CloseReport(plan_id, period, version, len(graded), True, diff, {})

    async def _score_all(self, uow: UnitOfWork, plan_id: str, period: str, label: str) -> tuple[list[UnitScore], Plan]:
        """Recompute every unit of the plan for `period` and rank them; Conflict if any unit's facts are refused."""
        plan_row = await uow.repo.plan_row(plan_id)
        if plan_row is None:
            raise NotFound(f"plan {plan_id!r} is not known to scoring (no PlanPublished yet)")
        plan = self.plan_of(plan_row)
        computed = await self.recompute(uow, plan_id, None, periods=[period], label=label)
        refused = {u: s[period] for u, s in computed.items() if isinstance(s[period], str)}
        if refused:
            raise Conflict(f"{len(refused)} unit(s) cannot be graded: facts refused by the scoring rules",
                           problems=[FieldProblem(f"units.{u}", msg) for u, msg in sorted(refused.items())])
        return grade_period(plan, [s[period] for s in computed.values()], period), plan

    async def rescore(self, plan_id: str, period: str = YEAR, actor: str = "rescore",
                      progress: Progress | None = None) -> RescoreReport:
        """Year-end re-score: stream every fact from the sources' snapshots, recompute every unit and
        report what differs from the latest graded snapshot (or the provisional scores if none).

        Stores the refreshed facts and provisional scores (publishing UnitScoreUpdated for changes) but
        never a graded snapshot: running it twice gives the same report. Close the period to publish."""
        if period not in PERIODS:
            raise InvalidInput(f"unknown period {period!r}", problems=[FieldProblem("period", "unknown period")])
        async with self.uow_factory() as uow:
            snapshot = await uow.repo.snapshot(plan_id, period)
            if snapshot is not None:
                before, against = exactjson.loads(snapshot.results_json)["units"], f"snapshot:{snapshot.version}"
            else:
                before, against = (await self._provisional_entries(uow.repo, plan_id, period)), "provisional"
        reconciled = await self.reconcile(plan_id, "", progress)
        async with self.uow_factory() as uow:
            if await uow.repo.plan_row(plan_id) is None:
                raise NotFound(f"plan {plan_id!r} is not known to scoring (no PlanPublished yet)")
            if progress:
                progress("score", 0, 1)
            graded, plan = await self._score_all(uow, plan_id, period, label="rescore")
            await uow.commit()
        after = _plain_entries([unit_to_dict(plan, s) for s in graded])
        if snapshot is None:
            after = [provisional_entry(e, period) for e in after]
        if progress:
            progress("score", 1, 1)
        diff = diff_units(before, after)
        log.info("scoring.rescored", plan=plan_id, period=period, units=len(graded), changed=len(diff), actor=actor)
        return RescoreReport(plan_id, period, len(graded), against, diff, reconciled)

    # --- reading -------------------------------------------------------------------------------------------

    async def results(self, plan_id: str, period: str, version: int | None = None) -> tuple[str, int]:
        """The jixiao.results/v1 JSON text of a graded snapshot (latest, or `version`), else the
        provisional scores; with the snapshot version (0 = provisional)."""
        _check_period(period)
        async with self.uow_factory() as uow:
            snapshot = await uow.repo.snapshot(plan_id, period, version)
            if snapshot is not None:
                return snapshot.results_json, snapshot.version
            if version:
                raise NotFound(f"no graded snapshot {version} of {plan_id}/{period}")
            entries = await self._provisional_entries(uow.repo, plan_id, period)
            if not entries and await uow.repo.plan_row(plan_id) is None:
                raise NotFound(f"plan {plan_id!r} is not known to scoring")
        doc = {"format": RESULTS_FORMAT, "plan": plan_id, "period": period, "units": entries}
        return dumps(doc, indent=1), 0

    async def results_doc(self, plan_id: str, period: str, version: int | None = None) -> tuple[dict[str, Any], int]:
        """`results` parsed (numbers as Decimals)."""
        text, v = await self.results(plan_id, period, version)
        return exactjson.loads(text), v

    async def _provisional_entries(self, repo: SqlAlchemyScoringRepository, plan_id: str, period: str) -> list[dict]:
        rows = await repo.current_scores(plan_id, period)
        entries = [exactjson.loads(r.score_json) for r in rows.values() if r.status != ERROR]
        ranks = rank_within_groups(_Rankable(e["unit"], e["group"], e["status"], e.get("total")) for e in entries)
        for e in entries:
            e["rank"] = ranks.get(e["unit"])
        return sorted((provisional_entry(e, period) for e in entries), key=lambda e: e["unit"])

    async def unit_score(self, plan_id: str, period: str, unit_id: str, version: int | None = None,
                         provisional: bool = False) -> dict[str, Any]:
        """One unit's score with its explanation: from a graded snapshot (latest or `version`), or
        the current provisional score (if `provisional` or nothing is graded yet)."""
        _check_period(period)
        async with self.uow_factory() as uow:
            repo = uow.repo
            snapshot = None if provisional else await repo.snapshot(plan_id, period, version)
            if version and snapshot is None:
                raise NotFound(f"no graded snapshot {version} of {plan_id}/{period}")
            if snapshot is not None:
                row = await repo.snapshot_score(plan_id, period, snapshot.version, unit_id)
                if row is None:
                    raise NotFound(f"unit {unit_id!r} is not in snapshot {snapshot.version} of {plan_id}/{period}")
                return {"plan": plan_id, "period": period, "snapshot_version": snapshot.version,
                        "score": exactjson.loads(row.score_json), "explanation": exactjson.loads(row.explanation_json)}
            rows = await repo.current_scores(plan_id, period, [unit_id])
            row = rows.get(unit_id)
            if row is None:
                raise NotFound(f"no score for unit {unit_id!r} in {plan_id}/{period}")
            entries = await self._provisional_entries(repo, plan_id, period)
            entry = next((e for e in entries if e["unit"] == unit_id), exactjson.loads(row.score_json))
            return {"plan": plan_id, "period": period, "snapshot_version": 0, "version": row.version,
                    "score": entry, "explanation": exactjson.loads(row.explanation_json)}

    async def history(self, plan_id: str, period: str, unit_id: str) -> list[dict[str, Any]]:
        """Every version of a unit's score (provisional and graded), oldest first, with its events."""
        _check_period(period)
        async with self.uow_factory() as uow:
            rows = await uow.repo.history(plan_id, unit_id, period)
        if not rows:
            raise NotFound(f"no score history for unit {unit_id!r} in {plan_id}/{period}")
        return [{"kind": r.kind, "version": r.version, "status": r.status, "total": r.total, "grade": r.grade,
                 "at": r.created_at.isoformat(), "score": exactjson.loads(r.score_json),
                 "events": json.loads(r.event_ids_json)} for r in rows]

    async def rankings(self, plan_id: str, period: str, group: str | None = None,
                       version: int | None = None) -> dict[str, Any]:
        """The units by group, ranked (from the latest graded snapshot, else provisional)."""
        doc, snapshot_version = await self.results_doc(plan_id, period, version)
        groups: dict[str, list[dict]] = {}
        for e in doc["units"]:
            if group and e["group"] != group:
                continue
            groups.setdefault(e["group"], []).append(e)
        for members in groups.values():
            members.sort(key=lambda e: (e.get("rank") is None, e.get("rank") or 0, e["unit"]))
        return {"plan": plan_id, "period": period, "snapshot_version": snapshot_version,
                "groups": dict(sorted(groups.items()))}

    async def snapshots(self, plan_id: str, period: str) -> list[dict[str, Any]]:
        """The graded snapshots of a period (every version stays readable), with their diffs."""
        _check_period(period)
        async with self.uow_factory() as uow:
            rows = await uow.repo.snapshots(plan_id, period)
        return [{"version": r.version, "at": r.created_at.isoformat(), "actor": r.actor,
                 "plan_version": r.plan_version, "units": r.units, "diff": exactjson.loads(r.diff_json)} for r in rows]

    async def consistency(self, plan_id: str) -> dict[str, Any]:
        """Events of the plan applied per source (compare with each source's GetPosition)."""
        async with self.uow_factory() as uow:
            applied = await uow.repo.applied_by_source(plan_id)
        return {"plan": plan_id, "applied": {s: applied.get(s, 0) for s in ("indicators", "surveys", "inspections")}}

    # --- PeriodClosed events ------------------------------------------------------------------------------

    async def run_close_requests(self) -> int:
        """Close the periods that PeriodClosed events asked for (one request at a time, across instances)."""
        done = 0
        while True:
            async with self.uow_factory() as claim:
                request = await claim.repo.claim_close_request()
                if request is None:
                    return done
                try:
                    if request.period == YEAR:
                        await self.close_period(request.plan_id, request.period, request.actor)
                    else:
                        log.info("scoring.progress_period_closed", plan=request.plan_id, period=request.period)
                except Exception as exc:  # noqa: BLE001 - keep the request, retry later
                    await claim.repo.fail_close_request(request.id, f"{type(exc).__name__}: {exc}")
                    await claim.commit()
                    log.warning("scoring.close_failed", plan=request.plan_id, period=request.period, error=str(exc))
                    return done
                await claim.repo.finish_close_request(request.id)
                await claim.commit()
                done += 1


def provisional_entry(entry: Mapping[str, Any], period: str) -> dict[str, Any]:
    """A results/v1 entry as a provisional (not yet graded) score: status `provisional` unless incomplete."""
    out = dict(entry)
    if period == YEAR and out.get("status") == "final":
        out["status"] = "provisional"
    return out


def _plain_entries(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # the same shape as entries read back from stored JSON (so diffs compare like with like)
    return [exactjson.loads(dumps(e, indent=None)) for e in entries]


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise InvalidInput(f"unknown period {period!r} (expected one of {', '.join(PERIODS)})",
                           problems=[FieldProblem("period", "unknown period")])


def _check_gradable(period: str) -> None:
    _check_period(period)
    if period != YEAR:
        raise InvalidInput(f"only the year {YEAR!r} is graded; {period!r} is a progress check (provisional)",
                           problems=[FieldProblem("period", "not gradable")])

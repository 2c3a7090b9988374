"""The SnapshotService of jixiao.scores.v1: what scoring has published for a plan, rebuilt from its
tables — each unit's current provisional score per period (UnitScoreUpdated at its version) and the
latest graded snapshot per period (UnitScoreGraded per unit, then PeriodGraded with the units that
changed, then PersonEligibilityGraded per person), built by the same functions as the live events.
Reports re-reads it after a broker loss, so a snapshot graded while the broker was away still reaches
the dashboards and the people lists, as if it had read the live events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from jixiao.messaging.envelope import Envelope, make_envelope
from jixiao.rules import exactjson
from jixiao.rules.periods import PERIODS
from services.scoring.service import events, people
from services.scoring.service.common import ERROR, Dependencies, provisional_entry

SOURCE = "scoring"


@dataclass(frozen=True)
class _Stored:
    """What the event builders read of a unit's score: its id and component scores."""

    unit: str
    components: Mapping[str, Decimal]

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> _Stored:
        return cls(entry["unit"], {k: Decimal(v) for k, v in entry["components"].items() if v is not None})


class _Collect:
    """Stands in for a unit of work's `emit`: the graded events as envelopes, in order."""

    def __init__(self, occurred_at: datetime) -> None:
        self.occurred_at = occurred_at
        self.envelopes: list[Envelope] = []

    async def emit(self, message, *, plan_id: str, unit_id: str = "", aggregate_id: str = "", version: int = 0):
        env = make_envelope(
            source=SOURCE,
            payload=message,
            plan_id=plan_id,
            unit_id=unit_id,
            aggregate_id=aggregate_id,
            version=version,
            occurred_at=self.occurred_at,
        )
        self.envelopes.append(env)
        return env


async def score_envelopes(deps: Dependencies, plan_id: str, period: str = "") -> AsyncIterator[Envelope]:
    """The plan's score events, period by period ("" = every period); nothing for an unknown plan."""
    periods = [period] if period else list(PERIODS)
    async with deps.uow_factory() as uow:
        repo = uow.repo
        plan_row = await repo.plan_row(plan_id)
        if plan_row is None:
            return
        plan = deps.plans.of(plan_row)
        info = events.PlanInfo.of(plan, plan_row)
        names = {r.unit_id: r.name for r in await repo.unit_rows(plan_id)}
        sizes = await repo.group_sizes(plan_id)
        for p in periods:
            for row in sorted((await repo.current_scores(plan_id, p)).values(), key=lambda r: r.unit_id):
                if row.status == ERROR:
                    continue  # never published: the rules refused its facts
                entry = provisional_entry(exactjson.loads(row.score_json), p)
                message = events.unit_score(
                    info, _Stored.of(entry), entry, names.get(row.unit_id, row.unit_id), sizes.get(row.group, 1)
                )
                yield make_envelope(
                    source=SOURCE,
                    payload=events.unit_score_updated(info, p, row.version, message),
                    plan_id=plan_id,
                    unit_id=row.unit_id,
                    aggregate_id=f"{plan_id}/{row.unit_id}/{p}",
                    version=row.version,
                )
            snap = await repo.snapshot(plan_id, p)
            if snap is None:
                continue
            entries = exactjson.loads(snap.results_json)["units"]
            collect = _Collect(snap.created_at)
            await events.publish_graded(
                collect,  # type: ignore[arg-type]  (only `emit` is used)
                events.GradedSnapshot(
                    info,
                    p,
                    snap.version,
                    snap.actor,
                    snap.results_sha256,
                    [_Stored.of(e) for e in entries],  # type: ignore[misc]
                    entries,
                    names,
                    [d["unit"] for d in exactjson.loads(snap.diff_json)],
                    [o.objection_id for o in await repo.objections(plan_id, p) if o.snapshot_version == snap.version],
                ),
            )
            await _people_events(repo, collect, plan_id, p, snap.version)
            for env in collect.envelopes:
                yield env


async def _people_events(repo: Any, collect: _Collect, plan_id: str, period: str, version: int) -> None:
    """PersonEligibilityGraded of a snapshot's people, `changed` against the version before (as at close)."""
    entries = [exactjson.loads(r.entry_json) for r in await repo.person_eligibility(plan_id, period, version)]
    before = (
        [exactjson.loads(r.entry_json) for r in await repo.person_eligibility(plan_id, period, version - 1)]
        if version > 1
        else []
    )
    changed = {c.staff_id for c in people.diff_people(before, entries)}
    await people.publish_people(collect, plan_id, period, version, entries, changed)

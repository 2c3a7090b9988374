"""Reading scores: results documents, one unit's score, its history, rankings, snapshots, consistency."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.errors import NotFound
from jixiao.fact_digest import digests_by_source
from jixiao.registry import SOURCES
from jixiao.rules import exactjson
from jixiao.rules.exactjson import Encoded, dumps
from jixiao.rules.model import FINAL
from services.scoring.adapters.repository import AbstractScoringRepository
from services.scoring.adapters.score_reads import UnitScoreRead
from services.scoring.domain.grading import rank_within_groups
from services.scoring.domain.results import RESULTS_FORMAT
from services.scoring.service.common import ERROR, Dependencies, check_period, provisional_entry


@dataclass(frozen=True)
class _Rankable:
    unit: str
    group: str
    status: str
    total: Decimal | None


async def provisional_entries(repo: AbstractScoringRepository, plan_id: str, period: str) -> list[dict[str, Any]]:
    """The current scores of a period as results/v1 entries, ranked within their groups, by unit."""
    rows = await repo.current_scores(plan_id, period)
    entries = [exactjson.loads(r.score_json) for r in rows.values() if r.status != ERROR]
    ranks = rank_within_groups(_Rankable(e["unit"], e["group"], e["status"], e.get("total")) for e in entries)
    for e in entries:
        e["rank"] = ranks.get(e["unit"])
    return sorted((provisional_entry(e, period) for e in entries), key=lambda e: e["unit"])


async def results(deps: Dependencies, plan_id: str, period: str, version: int | None = None) -> tuple[str, int]:
    """The jixiao.results/v1 JSON text of a graded snapshot (latest, or `version`), else the
    provisional scores; with the snapshot version (0 = provisional)."""
    check_period(period)
    async with deps.uow_factory() as uow:
        snapshot = await uow.repo.snapshot(plan_id, period, version)
        if snapshot is not None:
            return snapshot.results_json, snapshot.version
        if version:
            raise NotFound(f"no graded snapshot {version} of {plan_id}/{period}")
        entries = await provisional_entries(uow.repo, plan_id, period)
        if not entries and await uow.repo.plan_row(plan_id) is None:
            raise NotFound(f"plan {plan_id!r} is not known to scoring")
    doc = {"format": RESULTS_FORMAT, "plan": plan_id, "period": period, "units": entries}
    return dumps(doc, indent=1), 0


async def results_doc(
    deps: Dependencies, plan_id: str, period: str, version: int | None = None
) -> tuple[dict[str, Any], int]:
    """`results` parsed (numbers as Decimals)."""
    text, v = await results(deps, plan_id, period, version)
    return exactjson.loads(text), v


async def unit_score_json(
    deps: Dependencies, plan_id: str, period: str, unit_id: str, version: int | None = None, provisional: bool = False
) -> str:
    """One unit's score with its explanation, as compact JSON: from a graded snapshot (latest or
    `version`), or the current provisional score (if `provisional` or nothing is graded yet).

    One read (`deps.reads`); the stored JSON texts go into the answer as they are (`Encoded`: the
    bytes `dumps` writes for them parsed); only a provisional entry is parsed, to say `provisional`
    and carry its rank."""
    check_period(period)
    read = await deps.reads.unit_score(plan_id, period, unit_id, version, provisional)
    if read.snapshot_version is not None:
        if read.score_json is None or read.explanation_json is None:
            raise NotFound(f"unit {unit_id!r} is not in snapshot {read.snapshot_version} of {plan_id}/{period}")
        doc: dict[str, Any] = {
            "plan": plan_id,
            "period": period,
            "snapshot_version": read.snapshot_version,
            "score": Encoded(read.score_json),
            "explanation": Encoded(read.explanation_json),
        }
        return dumps(doc, indent=None)
    if version:
        raise NotFound(f"no graded snapshot {version} of {plan_id}/{period}")
    if read.score_json is None or read.explanation_json is None:
        raise NotFound(f"no score for unit {unit_id!r} in {plan_id}/{period}")
    doc = {
        "plan": plan_id,
        "period": period,
        "snapshot_version": 0,
        "version": read.version,
        "score": _provisional_score(read, period),
        "explanation": Encoded(read.explanation_json),
    }
    return dumps(doc, indent=None)


async def unit_score(
    deps: Dependencies, plan_id: str, period: str, unit_id: str, version: int | None = None, provisional: bool = False
) -> dict[str, Any]:
    """`unit_score_json` parsed (numbers as Decimals), for callers that read its fields."""
    return exactjson.loads(await unit_score_json(deps, plan_id, period, unit_id, version, provisional))


def _provisional_score(read: UnitScoreRead, period: str) -> dict[str, Any]:
    """The unit's results/v1 entry as the provisional results list it: ranked within its group
    (competition ranking: 1 + the final units above it), `provisional` for `final`; a unit the rules
    refused keeps its stored entry (the results leave it out)."""
    entry = exactjson.loads(read.score_json)
    if read.status == ERROR:
        return entry
    entry["rank"] = read.better + 1 if entry["status"] == FINAL else None
    return provisional_entry(entry, period)


async def history(deps: Dependencies, plan_id: str, period: str, unit_id: str) -> list[dict[str, Any]]:
    """Every version of a unit's score (provisional and graded), oldest first, with its events."""
    check_period(period)
    async with deps.uow_factory() as uow:
        rows = await uow.repo.history(plan_id, unit_id, period)
    if not rows:
        raise NotFound(f"no score history for unit {unit_id!r} in {plan_id}/{period}")
    return [
        {
            "kind": r.kind,
            "version": r.version,
            "status": r.status,
            "total": r.total,
            "grade": r.grade,
            "at": r.created_at.isoformat(),
            "score": exactjson.loads(r.score_json),
            "events": json.loads(r.event_ids_json),
        }
        for r in rows
    ]


async def rankings(
    deps: Dependencies, plan_id: str, period: str, group: str | None = None, version: int | None = None
) -> dict[str, Any]:
    """The units by group, ranked (from the latest graded snapshot, else provisional)."""
    doc, snapshot_version = await results_doc(deps, plan_id, period, version)
    groups: dict[str, list[dict]] = {}
    for e in doc["units"]:
        if not group or e["group"] == group:
            groups.setdefault(e["group"], []).append(e)
    for members in groups.values():
        members.sort(key=lambda e: (e.get("rank") is None, e.get("rank") or 0, e["unit"]))
    return {
        "plan": plan_id,
        "period": period,
        "snapshot_version": snapshot_version,
        "groups": dict(sorted(groups.items())),
    }


async def snapshots(deps: Dependencies, plan_id: str, period: str) -> list[dict[str, Any]]:
    """The graded snapshots of a period (every version stays readable), with their diffs."""
    check_period(period)
    async with deps.uow_factory() as uow:
        rows = await uow.repo.snapshots(plan_id, period)
        named = await uow.repo.objections(plan_id, period)
    return [
        {
            "version": r.version,
            "at": r.created_at.isoformat(),
            "actor": r.actor,
            "plan_version": r.plan_version,
            "units": r.units,
            "sha256": r.results_sha256,
            "diff": exactjson.loads(r.diff_json),
            "objections": [o.objection_id for o in named if o.snapshot_version == r.version],
        }
        for r in rows
    ]


async def consistency(deps: Dependencies, plan_id: str) -> dict[str, Any]:
    """Per source, the digest of the facts scoring holds (`facts`: compare with each source's
    GetPosition `facts`, whatever delivered them) and the events applied (`applied`: compare with an
    older source's `position`)."""
    async with deps.uow_factory() as uow:
        applied = await uow.repo.applied_by_source(plan_id)
        held = digests_by_source(await uow.held.facts(plan_id))
    return {
        "plan": plan_id,
        "applied": {s: applied.get(s, 0) for s in SOURCES},
        "facts": {s: held[s].to_dict() for s in SOURCES},
    }

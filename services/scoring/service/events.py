"""The score events of jixiao.scores.v1, built self-contained (docs/score-events.md).

recompute.py and closing.py decide when to publish; this module builds what they publish: plan name
and year, unit and group names (from the UnitUpserted facts), grade labels, components with their
weights and signs, the snapshot version and hash, and the list of a snapshot's unit events.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jixiao.proto.events.v1 import scores_pb2
from jixiao.rules import exactjson
from jixiao.rules.decimals import round2
from jixiao.rules.exactjson import dumps
from jixiao.rules.model import Plan
from services.scoring.adapters.facts import score_message_fields
from services.scoring.domain.model import UnitScore
from services.scoring.service.unit_of_work import AbstractUnitOfWork


@dataclass(frozen=True)
class PlanInfo:
    """What every score event of a plan says about the plan: name, year, version, group names."""

    plan: Plan
    version: int
    year: int
    group_names: Mapping[str, str]

    @classmethod
    def of(cls, plan: Plan, plan_row: Any) -> PlanInfo:
        """From the parsed plan and its stored row (plan_id, year, version, plan_json)."""
        return cls(plan, int(plan_row.version), int(plan_row.year or plan.year), _group_names(plan_row.plan_json))

    def group_name(self, group: str) -> str:
        """The plan's display name of a ranking group (its `groups` map), else the group id."""
        return self.group_names.get(group) or group


@lru_cache(maxsize=64)
def _group_names(plan_json: str) -> dict[str, str]:
    """The optional `plan.groups` map ({group: display name}); it only labels, never scores."""
    doc = exactjson.loads(plan_json)
    plan = doc.get("plan", doc) if isinstance(doc, dict) else {}
    groups = plan.get("groups") if isinstance(plan, dict) else None
    return {str(k): str(v) for k, v in groups.items()} if isinstance(groups, dict) else {}


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(round2(value), "f")


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def component_definitions(plan: Plan) -> list[scores_pb2.ComponentScore]:
    """The plan's components without scores: key, type, weight, cap (in PeriodGraded)."""
    return [
        scores_pb2.ComponentScore(
            key=c.key,
            type=c.type,
            weight=_plain(c.weight) if c.weighted else "",
            cap="" if c.weighted else _plain(c.cap),
        )
        for c in plan.components
    ]


def component_scores(plan: Plan, score: UnitScore) -> list[scores_pb2.ComponentScore]:
    """Every scored component of a unit in the plan's order, signed: a weighted one adds
    weight × score, a penalty subtracts the points deducted (so "-1.00", never a positive 1.00)."""
    out = []
    for c in plan.components:
        value = score.components.get(c.key)
        if value is None:
            continue  # a missing weighted component (the unit is incomplete)
        if c.weighted:
            out.append(
                scores_pb2.ComponentScore(
                    key=c.key, type=c.type, weight=_plain(c.weight), score=_text(value), points=_text(c.weight * value)
                )
            )
        else:
            out.append(scores_pb2.ComponentScore(key=c.key, type=c.type, points=_text(-value), cap=_plain(c.cap)))
    return out


def unit_score(
    info: PlanInfo, score: UnitScore, entry: Mapping[str, Any], unit_name: str, group_size: int
) -> scores_pb2.UnitScore:
    """The UnitScore message of a results/v1 entry, with names, the grade label and signed components."""
    grade = entry.get("grade") or ""
    return scores_pb2.UnitScore(
        **score_message_fields(entry),
        unit_name=unit_name,
        group_name=info.group_name(entry["group"]),
        grade_label=info.plan.label(grade) if grade else "",
        group_size=group_size,
        component_scores=component_scores(info.plan, score),
    )


def unit_score_updated(
    info: PlanInfo,
    period: str,
    version: int,
    message: scores_pb2.UnitScore,
) -> scores_pb2.UnitScoreUpdated:
    """A provisional score (key: unit id)."""
    return scores_pb2.UnitScoreUpdated(
        plan_id=info.plan.id,
        period=period,
        version=version,
        score=message,
        plan_name=info.plan.name,
        year=info.year,
        plan_version=info.version,
    )


def results_sha256(results_doc: Mapping[str, Any]) -> str:
    """Hex SHA-256 of a results/v1 document's canonical JSON: `exactjson.dumps` (compact, keys in
    document order, exact decimals, UTF-8)."""
    return hashlib.sha256(dumps(results_doc).encode("utf-8")).hexdigest()


def group_sizes(groups: Iterable[str]) -> dict[str, int]:
    """How many units each group has."""
    return dict(Counter(groups))


@dataclass(frozen=True)
class GradedSnapshot:
    """A new graded snapshot as the events describe it."""

    info: PlanInfo
    period: str
    version: int
    actor: str
    sha256: str
    scores: Sequence[UnitScore]
    entries: Sequence[Mapping[str, Any]]
    unit_names: Mapping[str, str]
    changed_units: Sequence[str]
    objection_ids: Sequence[str] = ()  # the objections (异议) this version follows


async def publish_graded(uow: AbstractUnitOfWork, s: GradedSnapshot) -> None:
    """UnitScoreGraded per unit (key: unit id), then one PeriodGraded (key: plan id) listing the
    unit events, into the same transaction's outbox."""
    plan = s.info.plan
    aggregate = f"{plan.id}/{s.period}"
    sizes = group_sizes(e["group"] for e in s.entries)
    common = {
        "plan_id": plan.id,
        "period": s.period,
        "snapshot_version": s.version,
        "plan_name": plan.name,
        "year": s.info.year,
        "plan_version": s.info.version,
        "snapshot_sha256": s.sha256,
    }
    graded = sorted(zip(s.scores, s.entries, strict=True), key=lambda pair: pair[0].unit)
    event_ids = []
    for score, entry in graded:
        message = unit_score(s.info, score, entry, s.unit_names.get(score.unit, score.unit), sizes[entry["group"]])
        env = await uow.emit(
            scores_pb2.UnitScoreGraded(**common, score=message, snapshot_units=len(graded)),
            plan_id=plan.id,
            unit_id=score.unit,
            aggregate_id=aggregate,
            version=s.version,
        )
        event_ids.append(env.event_id)
    await uow.emit(
        scores_pb2.PeriodGraded(
            **common,
            units=len(graded),
            closed_by=s.actor,
            unit_event_ids=event_ids,
            unit_ids=[score.unit for score, _ in graded],
            grade_bands=[
                scores_pb2.GradeBand(
                    code=b.grade, label=b.label, min=_plain(b.min), award=b.grade in plan.eligible_grades
                )
                for b in plan.grade_bands
            ],
            groups=[scores_pb2.Group(id=g, name=s.info.group_name(g), units=n) for g, n in sorted(sizes.items())],
            components=component_definitions(plan),
            changed_unit_ids=sorted(s.changed_units),
            objection_ids=list(s.objection_ids),
        ),
        plan_id=plan.id,
        aggregate_id=aggregate,
        version=s.version,
    )

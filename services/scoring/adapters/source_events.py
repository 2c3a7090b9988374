"""Source events → stored facts: one small function per event type, found in a table.

Latest version wins (the repository's upsert). A payload that cannot be stored raises InvalidInput,
which the consumer parks. No scoring rule lives here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.rules import exactjson
from jixiao.rules.periods import PERIODS
from services.scoring.adapters.facts import (
    date_field,
    decimal_field,
    parse_plan_json,
    result_id_of,
    strata_json,
    version_of,
)
from services.scoring.adapters.repository import AbstractScoringRepository


@dataclass(frozen=True)
class Touch:
    """What an applied event changed: one unit of a plan, or (unit None) every unit of it."""

    plan_id: str
    unit_id: str | None


@dataclass(frozen=True)
class _Event:
    """An event being applied: its envelope, typed payload, and the key columns of the fact it stores."""

    env: Envelope
    payload: Any
    base: dict[str, Any]  # plan_id, version (and unit_id for a unit's fact)
    from_snapshot: bool


# --- plan-wide events: return what they touched --------------------------------------------------


async def _plan_published(repo: AbstractScoringRepository, e: _Event) -> Touch | None:
    plan = parse_plan_json(e.payload.plan_json)
    plan_id = e.base["plan_id"]
    if plan.id != plan_id:
        raise InvalidInput(f"PlanPublished for {plan_id!r} carries plan {plan.id!r}")
    changed = await repo.upsert_latest(
        "plans", {**e.base, "year": e.payload.year or plan.year, "plan_json": e.payload.plan_json}
    )
    return Touch(plan_id, None) if changed else None


async def _period_closed(repo: AbstractScoringRepository, e: _Event) -> Touch | None:
    if not e.from_snapshot:  # a snapshot replays it as a fact: closing again from it would loop
        if e.payload.period not in PERIODS:
            raise InvalidInput(f"PeriodClosed: unknown period {e.payload.period!r}")
        await repo.request_close(e.base["plan_id"], e.payload.period, e.payload.closed_by or "indicators")
    return None


# --- a unit's facts: return whether the stored fact changed ---------------------------------------


async def _unit_upserted(repo: AbstractScoringRepository, e: _Event) -> bool:
    p = e.payload
    if not p.kind:
        raise InvalidInput(f"UnitUpserted {e.base['unit_id']}: no kind")
    return await repo.upsert_latest(
        "units",
        {
            **e.base,
            "name": p.name or e.base["unit_id"],
            "kind": p.kind,
            "group": p.group or p.kind,
            "parent": p.parent or None,
        },
    )


async def _target_set(repo: AbstractScoringRepository, e: _Event) -> bool:
    return await repo.upsert_latest(
        "targets",
        {**e.base, "indicator_id": e.payload.indicator_id, "target": decimal_field(e.payload.target, "target")},
    )


async def _result_confirmed(repo: AbstractScoringRepository, e: _Event) -> bool:
    p = e.payload
    if p.period not in PERIODS:
        raise InvalidInput(f"IndicatorResultConfirmed {p.result_id}: unknown period {p.period!r}")
    which = p.WhichOneof("value")
    return await repo.upsert_latest(
        "results",
        {
            **e.base,
            "result_id": result_id_of(p),
            "confirmed": p.confirmed,
            "indicator_id": p.indicator_id,
            "part": p.part,
            "period": p.period,
            "actual": decimal_field(p.actual, "actual") if which == "actual" else None,
            "rating": p.rating if which == "rating" else None,
            "done": p.done if which == "done" else None,
            "points": decimal_field(p.points, "points") if which == "points" else None,
            "budget": decimal_field(p.budget_spent.budget, "budget_spent.budget") if which == "budget_spent" else None,
            "spent": decimal_field(p.budget_spent.spent, "budget_spent.spent") if which == "budget_spent" else None,
            "confirmed_by": p.confirmed_by,
            "confirmed_at": p.confirmed_at,
            "event_id": e.env.event_id,
        },
    )


async def _survey_score_updated(repo: AbstractScoringRepository, e: _Event) -> bool:
    p = e.payload
    return await repo.upsert_latest(
        "survey_rounds",
        {
            **e.base,
            "round_id": p.round_id,
            "score": decimal_field(p.score, "score", required=False),
            "se": decimal_field(p.se, "se", required=False),
            "strata_json": strata_json(p.strata, "strata"),
            "responses": p.responses,
            "external": p.external,
            "source": p.source,
            "document": p.document,
            "event_id": e.env.event_id,
        },
    )


async def _deduction_recorded(repo: AbstractScoringRepository, e: _Event) -> bool:
    p = e.payload
    values = {
        **e.base,
        "deduction_id": p.deduction_id,
        "recorded": True,
        "kind": p.kind,
        "points": decimal_field(p.points, "points"),
        "date": date_field(p.date, "date"),
        "aspect": p.aspect or None,
        "inspection_id": p.inspection_id or None,
        "revoked": False,
        "reason": None,
        "event_id": e.env.event_id,
        "person": p.person or None,
    }
    if p.appeal_id:  # a correction without them keeps the appeal seen before
        values.update(appeal_id=p.appeal_id, appeal_outcome=p.appeal_outcome or "open")
    return await repo.upsert_latest("deductions", values) or await repo.fill_deduction_details(values)


async def _deduction_revoked(repo: AbstractScoringRepository, e: _Event) -> bool:
    values = {
        **e.base,
        "deduction_id": e.payload.deduction_id,
        "recorded": False,
        "revoked": True,
        "reason": e.payload.reason,
        "event_id": e.env.event_id,
    }
    update = ["revoked", "reason", "version", "event_id"]
    if e.payload.appeal_id:  # a granted appeal revoked it
        values.update(appeal_id=e.payload.appeal_id, appeal_outcome="granted")
        update += ["appeal_id", "appeal_outcome"]
    return await repo.upsert_latest("deductions", values, update=update)


async def _veto_issued(repo: AbstractScoringRepository, e: _Event) -> bool:
    p = e.payload
    values = {
        **e.base,
        "veto_id": p.veto_id,
        "category": p.category,
        "date": date_field(p.date, "date"),
        "document": p.document or None,
        "lifted": False,
        "event_id": e.env.event_id,
    }
    return await repo.upsert_latest("vetoes", values) or await repo.fill_veto_details(values)


async def _veto_lifted(repo: AbstractScoringRepository, e: _Event) -> bool:
    values = {**e.base, "veto_id": e.payload.veto_id, "lifted": True, "event_id": e.env.event_id}
    return await repo.upsert_latest("vetoes", values, update=["lifted", "version", "event_id"])


def _people_fact(kind: str, id_field: str, fields: tuple[str, ...]):
    """A store function for one people event: the payload's fields as exact JSON, latest version wins."""

    async def store(repo: AbstractScoringRepository, e: _Event) -> bool:
        p = e.payload
        fact_id = getattr(p, id_field)
        if not fact_id:
            raise InvalidInput(f"{e.env.type} {e.env.event_id}: no {id_field}")
        data = {f: (list(getattr(p, f)) if f in ("roles", "oversees") else getattr(p, f)) for f in fields}
        await repo.upsert_latest(
            "people_facts",
            {
                "plan_id": e.base["plan_id"],
                "kind": kind,
                "fact_id": fact_id,
                "unit_id": e.base["unit_id"],
                "data_json": exactjson.dumps(data),
                "version": e.base["version"],
                "event_id": e.env.event_id,
            },
        )
        return False

    return store


PLAN_EVENTS: dict[str, Callable[[AbstractScoringRepository, _Event], Awaitable[Touch | None]]] = {
    "PlanPublished": _plan_published,
    "PeriodClosed": _period_closed,
}

UNIT_EVENTS: dict[str, Callable[[AbstractScoringRepository, _Event], Awaitable[bool]]] = {
    "UnitUpserted": _unit_upserted,
    "TargetSet": _target_set,
    "IndicatorResultConfirmed": _result_confirmed,
    "SurveyScoreUpdated": _survey_score_updated,
    "DeductionRecorded": _deduction_recorded,
    "DeductionRevoked": _deduction_revoked,
    "VetoIssued": _veto_issued,
    "VetoLifted": _veto_lifted,
    # people (评优资格): stored for the graded close, they change no unit's score (no Touch)
    "StaffMemberUpserted": _people_fact("staff", "staff_id", ("name", "position", "roles", "oversees")),
    "StaffMemberRemoved": _people_fact("staff_removed", "staff_id", ("reason",)),
    "LeaveRecorded": _people_fact("leave", "leave_id", ("staff_id", "type", "start", "end", "approval")),
    "AbsenceRecorded": _people_fact("absence", "absence_id", ("staff_id", "activity", "date", "excused")),
}


async def apply_event(repo: AbstractScoringRepository, env: Envelope, *, from_snapshot: bool = False) -> Touch | None:
    """Store the fact an event carries (latest version wins); returns what it touched, None if nothing.

    Raises InvalidInput for a payload that cannot be stored (the consumer parks it). Other types
    (e.g. our own score events) store nothing, once they name a plan and a unit.
    """
    payload: Message = payload_of(env)
    plan_id = getattr(payload, "plan_id", "") or env.plan_id
    if not plan_id:
        raise InvalidInput(f"{env.type} {env.event_id}: no plan id")
    base = {"plan_id": plan_id, "version": version_of(payload, env.aggregate_version)}
    if env.type in PLAN_EVENTS:
        return await PLAN_EVENTS[env.type](repo, _Event(env, payload, base, from_snapshot))
    unit_id = getattr(payload, "unit_id", "") or env.unit_id
    if not unit_id:
        raise InvalidInput(f"{env.type} {env.event_id}: no unit id")
    store = UNIT_EVENTS.get(env.type)
    if store is None:
        return None
    changed = await store(repo, _Event(env, payload, {**base, "unit_id": unit_id}, from_snapshot))
    return Touch(plan_id, unit_id) if changed else None

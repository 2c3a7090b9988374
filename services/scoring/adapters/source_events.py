"""Source events → stored facts: one small function per event type, found in a table.

Each event becomes a `Change` without I/O (`change_of`); `store_changes` writes a whole batch of
them (latest version wins, adapters/fact_store.py). A payload that cannot be stored raises
InvalidInput, which the consumer parks. No scoring rule lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.rules import exactjson
from jixiao.rules.periods import PERIODS
from services.scoring.adapters.fact_store import FactWrite
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


@dataclass(frozen=True)
class CloseRequest:
    """A PeriodClosed from the live stream: queue the period's close (a snapshot's is only a fact)."""

    plan_id: str
    period: str
    actor: str


@dataclass(frozen=True)
class Change:
    """What one event asks of the store, and what it touches if the store changes."""

    env: Envelope
    write: FactWrite | CloseRequest
    touch: Touch | None  # None: the fact changes no score (people facts)


# --- plan-wide events ------------------------------------------------------------------------------


def _plan_published(e: _Event) -> FactWrite:
    plan = parse_plan_json(e.payload.plan_json)
    plan_id = e.base["plan_id"]
    if plan.id != plan_id:
        raise InvalidInput(f"PlanPublished for {plan_id!r} carries plan {plan.id!r}")
    return FactWrite("plans", {**e.base, "year": e.payload.year or plan.year, "plan_json": e.payload.plan_json})


def _period_closed(e: _Event) -> CloseRequest:
    if e.payload.period not in PERIODS:
        raise InvalidInput(f"PeriodClosed: unknown period {e.payload.period!r}")
    return CloseRequest(e.base["plan_id"], e.payload.period, e.payload.closed_by or "indicators")


# --- a unit's facts ----------------------------------------------------------------------------------


def _unit_upserted(e: _Event) -> FactWrite:
    p = e.payload
    if not p.kind:
        raise InvalidInput(f"UnitUpserted {e.base['unit_id']}: no kind")
    return FactWrite(
        "units",
        {
            **e.base,
            "name": p.name or e.base["unit_id"],
            "kind": p.kind,
            "group": p.group or p.kind,
            "parent": p.parent or None,
        },
    )


def _target_set(e: _Event) -> FactWrite:
    return FactWrite(
        "targets",
        {**e.base, "indicator_id": e.payload.indicator_id, "target": decimal_field(e.payload.target, "target")},
    )


def _result_confirmed(e: _Event) -> FactWrite:
    p = e.payload
    if p.period not in PERIODS:
        raise InvalidInput(f"IndicatorResultConfirmed {p.result_id}: unknown period {p.period!r}")
    which = p.WhichOneof("value")
    return FactWrite(
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


def _survey_score_updated(e: _Event) -> FactWrite:
    p = e.payload
    return FactWrite(
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


def _deduction_recorded(e: _Event) -> FactWrite:
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
    return FactWrite("deductions", values, fill=True)


def _deduction_revoked(e: _Event) -> FactWrite:
    values = {
        **e.base,
        "deduction_id": e.payload.deduction_id,
        "recorded": False,
        "revoked": True,
        "reason": e.payload.reason,
        "event_id": e.env.event_id,
    }
    update = ("revoked", "reason", "version", "event_id")
    if e.payload.appeal_id:  # a granted appeal revoked it
        values.update(appeal_id=e.payload.appeal_id, appeal_outcome="granted")
        update += ("appeal_id", "appeal_outcome")
    return FactWrite("deductions", values, update=update)


def _veto_issued(e: _Event) -> FactWrite:
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
    return FactWrite("vetoes", values, fill=True)


def _veto_lifted(e: _Event) -> FactWrite:
    values = {**e.base, "veto_id": e.payload.veto_id, "lifted": True, "event_id": e.env.event_id}
    return FactWrite("vetoes", values, update=("lifted", "version", "event_id"))


def _people_fact(kind: str, id_field: str, fields: tuple[str, ...]) -> Callable[[_Event], FactWrite]:
    """The write of one people event: the payload's fields as exact JSON, latest version wins."""

    def write(e: _Event) -> FactWrite:
        p = e.payload
        fact_id = getattr(p, id_field)
        if not fact_id:
            raise InvalidInput(f"{e.env.type} {e.env.event_id}: no {id_field}")
        data = {f: (list(getattr(p, f)) if f in ("roles", "oversees") else getattr(p, f)) for f in fields}
        return FactWrite(
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

    return write


UNIT_EVENTS: dict[str, Callable[[_Event], FactWrite]] = {
    "UnitUpserted": _unit_upserted,
    "TargetSet": _target_set,
    "IndicatorResultConfirmed": _result_confirmed,
    "SurveyScoreUpdated": _survey_score_updated,
    "DeductionRecorded": _deduction_recorded,
    "DeductionRevoked": _deduction_revoked,
    "VetoIssued": _veto_issued,
    "VetoLifted": _veto_lifted,
}

# people (评优资格): stored for the graded close, they change no unit's score (no Touch)
PEOPLE_EVENTS: dict[str, Callable[[_Event], FactWrite]] = {
    "StaffMemberUpserted": _people_fact("staff", "staff_id", ("name", "position", "roles", "oversees")),
    "StaffMemberRemoved": _people_fact("staff_removed", "staff_id", ("reason",)),
    "LeaveRecorded": _people_fact("leave", "leave_id", ("staff_id", "type", "start", "end", "approval")),
    "AbsenceRecorded": _people_fact("absence", "absence_id", ("staff_id", "activity", "date", "excused")),
}


def change_of(env: Envelope, *, from_snapshot: bool = False) -> Change | None:
    """What an event asks of the store (no I/O), None if nothing: other types (e.g. our own score
    events) store nothing, once they name a plan and a unit; a snapshot's PeriodClosed is only a
    fact (closing again from it would loop).

    Raises InvalidInput for a payload that cannot be stored (the consumer parks it).
    """
    payload: Message = payload_of(env)
    plan_id = getattr(payload, "plan_id", "") or env.plan_id
    if not plan_id:
        raise InvalidInput(f"{env.type} {env.event_id}: no plan id")
    base = {"plan_id": plan_id, "version": version_of(payload, env.aggregate_version)}
    if env.type == "PlanPublished":
        return Change(env, _plan_published(_Event(env, payload, base)), Touch(plan_id, None))
    if env.type == "PeriodClosed":
        return None if from_snapshot else Change(env, _period_closed(_Event(env, payload, base)), None)
    unit_id = getattr(payload, "unit_id", "") or env.unit_id
    if not unit_id:
        raise InvalidInput(f"{env.type} {env.event_id}: no unit id")
    e = _Event(env, payload, {**base, "unit_id": unit_id})
    if env.type in UNIT_EVENTS:
        return Change(env, UNIT_EVENTS[env.type](e), Touch(plan_id, unit_id))
    if env.type in PEOPLE_EVENTS:
        return Change(env, PEOPLE_EVENTS[env.type](e), None)
    return None


async def store_changes(repo: AbstractScoringRepository, changes: Sequence[Change]) -> list[tuple[Touch, Envelope]]:
    """Apply the changes as if one by one in this order (facts latest version wins, in batches; close
    requests queued); returns what the ones that changed a stored fact touched, with their events."""
    for c in changes:
        if isinstance(c.write, CloseRequest):
            await repo.request_close(c.write.plan_id, c.write.period, c.write.actor)
    facts = [c for c in changes if isinstance(c.write, FactWrite)]
    changed = await repo.store_facts([c.write for c in facts])  # type: ignore[misc]
    return [(c.touch, c.env) for c, hit in zip(facts, changed, strict=True) if hit and c.touch is not None]


async def apply_events(
    repo: AbstractScoringRepository, envs: Sequence[Envelope], *, from_snapshot: bool = False
) -> list[tuple[Touch, Envelope]]:
    """Store the facts of these events (see `change_of`, `store_changes`)."""
    changes = [c for env in envs if (c := change_of(env, from_snapshot=from_snapshot)) is not None]
    return await store_changes(repo, changes)


async def apply_event(repo: AbstractScoringRepository, env: Envelope, *, from_snapshot: bool = False) -> Touch | None:
    """Store one event's fact; what it touched, None if nothing changed (tests and one-off callers)."""
    touched = await apply_events(repo, [env], from_snapshot=from_snapshot)
    return touched[0][0] if touched else None

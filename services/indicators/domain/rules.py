"""The service's own rules: the review workflow, optimistic concurrency and report deadlines
(task decomposition has its own module, `tasks.py`; evidence limits `evidence.py`).

Plan, indicator, target and result *validation* is not here: it is the scoring rules' job
(services/scoring/domain), reached through `validation.py`, so there is one implementation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jixiao.rules.periods import PERIODS

from .errors import (
    FieldProblem,
    InvalidInput,
    PlanAlreadyPublished,
    PlanNotPublished,
    PreconditionFailed,
    PreconditionRequired,
    WrongState,
)
from .model import (
    BUDGET_FIELDS,
    CONFIRMED,
    DRAFT,
    PUBLISHED,
    RETURNED,
    SUBMITTED,
    VALUE_FIELDS,
    Plan,
    Result,
    Value,
)

# --- optimistic concurrency ----------------------------------------------------------------------


def check_revision(current: int, expected: int | None) -> None:
    """An update must name the revision it was based on (If-Match); a stale one is refused."""
    if expected is None:
        raise PreconditionRequired("this update needs an If-Match header with the resource's ETag")
    if expected != current:
        raise PreconditionFailed(f"the resource changed (now at revision {current}, not {expected}); reload and retry")


# --- plans ---------------------------------------------------------------------------------------


def require_draft(plan: Plan) -> None:
    if plan.status != DRAFT:
        raise PlanAlreadyPublished(f"plan {plan.id!r} is published and immutable; publish a new version with a reason")


def require_published(plan: Plan) -> None:
    if plan.status != PUBLISHED:
        raise PlanNotPublished(f"plan {plan.id!r} is a draft; publish it first")


def require_reason(reason: str | None, field: str = "reason") -> str:
    if not reason or not reason.strip():
        raise InvalidInput(f"{field} is required", problems=[FieldProblem(field, "is required")])
    return reason.strip()


def check_period(period: str, field: str = "period") -> str:
    if period not in PERIODS:
        raise InvalidInput(
            f"unknown period {period!r}", problems=[FieldProblem(field, f"must be one of {', '.join(PERIODS)}")]
        )
    return period


# --- results: the review workflow ----------------------------------------------------------------


def value_of(record: dict[str, Any]) -> Value | None:
    """The value of a record: one of actual, rating, done or points, or the amounts budget and
    spent of a budget_execution leaf (the scoring rules say which one the leaf wants); None if none."""
    present = {k: record[k] for k in VALUE_FIELDS if record.get(k) is not None}
    singles = [k for k in present if k not in BUDGET_FIELDS]
    if len(singles) > 1 or (singles and len(present) > len(singles)):
        raise InvalidInput(
            "a result carries exactly one of actual, rating, done, points, or budget and spent together",
            problems=[FieldProblem(k, "only one value field may be given") for k in present],
        )
    return present or None


def enter(result: Result, value: Value, comment: str | None, now: dt.datetime) -> None:
    """The unit records (or changes) its self-assessed value; allowed until it is submitted."""
    if result.status == SUBMITTED:
        raise WrongState("the result is submitted and waits for review; it can be changed once returned")
    result.reported = value
    result.comment = comment
    result.status = DRAFT  # after a confirmation this is a pending correction; the confirmed value stands
    _touch(result, now)


def submit(result: Result, now: dt.datetime) -> None:
    """The unit submits its value for review."""
    if result.status not in (DRAFT, RETURNED):
        raise WrongState(f"only a draft or returned result can be submitted, not a {result.status} one")
    if result.reported is None:
        raise InvalidInput("enter a value before submitting", problems=[FieldProblem("value", "is required")])
    result.status = SUBMITTED
    _touch(result, now)


def confirm(result: Result, actor: str, now: dt.datetime) -> None:
    """An assessor confirms the unit's value as reported: a new confirmed version."""
    if result.status not in (DRAFT, SUBMITTED):
        raise WrongState(f"a {result.status} result cannot be confirmed (confirm a draft or submitted one)")
    if result.reported is None:
        raise WrongState("there is no value to confirm")
    _confirm(result, result.reported, actor, None, now)


def correct(result: Result, value: Value, actor: str, reason: str, now: dt.datetime) -> None:
    """An assessor sets the confirmed value themselves, with a reason: a new confirmed version."""
    _confirm(result, value, actor, reason, now)


def return_to_unit(result: Result, actor: str, reason: str, now: dt.datetime) -> None:
    """An assessor sends the result back to the unit with a reason; the confirmed value (if any) stands."""
    if result.status not in (DRAFT, SUBMITTED):
        raise WrongState(f"a {result.status} result cannot be returned")
    result.status = RETURNED
    result.review_note = reason
    _touch(result, now)


def import_record(result: Result, value: Value, confirmed: bool, now: dt.datetime) -> bool:
    """Apply one imported bundle record; True when it is a new confirmed version."""
    result.reported = value
    if confirmed:
        _confirm(result, value, "import", None, now)
        return True
    result.status = SUBMITTED
    _touch(result, now)
    return False


def _confirm(result: Result, value: Value, actor: str, note: str | None, now: dt.datetime) -> None:
    result.confirmed = value
    result.confirmed_version += 1
    result.confirmed_by = actor
    result.confirmed_at = now
    result.status = CONFIRMED
    result.review_note = note
    _touch(result, now)


def _touch(result: Result, now: dt.datetime) -> None:
    result.revision += 1
    result.updated_at = now


# --- deadlines -----------------------------------------------------------------------------------


def report_deadline(plan: Plan, period: str) -> dt.date | None:
    """The self-report deadline of a period from the plan's calendar (Y: self_report_deadline)."""
    cal = plan.calendar()
    raw = cal.get("self_report_deadline") if period == "Y" else (cal.get("checkpoints") or {}).get(period)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        return None


def is_late(submitted_at: dt.datetime, deadline: dt.date | None) -> bool:
    """Late when submitted after the deadline day (the whole deadline day counts)."""
    return deadline is not None and submitted_at.date() > deadline

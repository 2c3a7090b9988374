"""PersonEligibilityGraded (jixiao.scores.v1) → the people read model's row."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jixiao.messaging.envelope import Envelope, payload_of
from services.reports.domain.errors import BadScoreEvent
from services.reports.domain.people import PersonEligibility, Reason

TYPE = "PersonEligibilityGraded"


def person_eligibility(env: Envelope) -> PersonEligibility:
    """The row of a PersonEligibilityGraded; BadScoreEvent (parked) for one that cannot be kept."""
    p = payload_of(env)
    plan_id, unit_id = p.plan_id or env.plan_id, p.unit_id or env.unit_id
    if not (plan_id and p.period and unit_id and p.staff_id) or p.snapshot_version <= 0:
        raise BadScoreEvent(f"{TYPE} without plan, period, unit, person or snapshot version")
    if max(len(plan_id), len(unit_id), len(p.staff_id)) > 100 or len(p.period) > 20:
        raise BadScoreEvent(f"{TYPE} with an over-long id")
    try:
        points = Decimal(p.deduction_points or "0")
    except InvalidOperation as exc:
        raise BadScoreEvent(f"{TYPE} with deduction_points {p.deduction_points!r}") from exc
    return PersonEligibility(
        plan_id,
        p.period,
        p.snapshot_version,
        unit_id,
        p.staff_id,
        p.name,
        p.position,
        p.unit_grade,
        p.eligible,
        tuple(Reason(r.code, r.label, r.detail) for r in p.reasons),
        dict(p.leave_days),
        p.absences,
        p.unexcused_absences,
        points,
        p.pending_leave_days,
    )

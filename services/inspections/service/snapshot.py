"""Use cases behind the gRPC SnapshotService: the plan's facts as the envelopes published, and the position."""

from __future__ import annotations

from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import rules
from services.inspections.service.staff import people_envelopes
from services.inspections.service.unit_of_work import AbstractUnitOfWork


async def snapshot(uow: AbstractUnitOfWork, plan_id: str, period: str = "") -> list[bytes]:
    """Every deduction (DeductionRecorded, + DeductionRevoked if revoked) and veto (VetoIssued, + VetoLifted)
    of the plan as the envelopes that were published, in recording order; `period` filters by date.
    Then the staff register and registered people's leave and absences (for the whole year: a person's
    eligibility is graded on the year), rebuilt from the records at their versions."""
    async with uow:
        settings = await uow.plans.get(plan_id)
        f = ListFilter()
        if period and settings is not None:
            start, end = rules.period_range(settings.year, period)
            f = ListFilter(date_from=start, date_to=end)
        elif period:
            rules.period_range(2000, period)  # still refuse an unknown period
        deductions = await uow.deductions.list(plan_id, f)
        vetoes = await uow.vetoes.list(plan_id, f)
        people = await people_envelopes(uow, plan_id)
    out: list[bytes] = []
    for d in deductions:
        out.append(d.recorded_envelope)
        if not d.active:
            out.append(d.revoked_envelope)
    for v in vetoes:
        out.append(v.issued_envelope)
        if not v.in_force:
            out.append(v.lifted_envelope)
    return out + people


async def position(uow: AbstractUnitOfWork, plan_id: str) -> int:
    async with uow:
        return await uow.position(plan_id)

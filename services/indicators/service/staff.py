"""The staff register as indicators knows it: inspections owns it and publishes StaffMemberUpserted/
Removed (jixiao.inspections.v1); indicators keeps the latest version of each member to check the staff
ids of the responsibility chain (tasks) and to fill their names. A plan whose register indicators has
not received takes ids as given. Names are personal data: never logged.
"""

from __future__ import annotations

from services.indicators.domain.errors import InvalidInput
from services.indicators.domain.model import StaffRef
from services.indicators.domain.people import StaffLookup

from .unit_of_work import AbstractUnitOfWork


async def apply_staff_event(
    uow: AbstractUnitOfWork,
    plan_id: str,
    staff_id: str,
    unit_id: str,
    name: str,
    version: int,
    *,
    removed: bool,
) -> bool:
    """StaffMemberUpserted (`removed` False) or StaffMemberRemoved, inside the consumer's transaction:
    stored when newer than what is kept (an older or the same version is ignored); True when stored."""
    if not plan_id or not staff_id or version <= 0:
        raise InvalidInput(f"a staff event needs a plan id, a staff id and a version (v{version})")  # parked
    async with uow:
        old = await uow.staff.get(plan_id, staff_id, for_update=True)
        if old is not None and old.version >= version:
            return False
        # a removal carries no name: the member keeps the last one (for tasks that still name them)
        keep = old.name if old is not None else ""
        member = StaffRef(
            plan_id,
            staff_id,
            unit_id or (old.unit_id if old else ""),
            keep if removed else name,
            removed,
            version,
        )
        await uow.staff.save(member)
        await uow.commit()
    return True


async def staff_lookup(uow: AbstractUnitOfWork, plan_id: str) -> StaffLookup | None:
    """Inside an open unit of work: the plan's register as `staff(id) -> name` of its current members
    (None for an id it does not hold, or of a removed member), or None when the plan has no register."""
    members = await uow.staff.find(plan_id=plan_id)
    if not members:
        return None
    names = {m.id: m.name for m in members if not m.removed}
    return names.get

"""Use cases of the staff register (干部职工): import with the bundle, register, change, remove, list.

Every change is one `StaffMemberUpserted`/`StaffMemberRemoved` event in the outbox and one audit row with
the name masked, in the same transaction. Names are never logged.
"""

from __future__ import annotations

from jixiao.proto.events.v1 import people_pb2
from jixiao.rules.fields import Problems, Reader
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain.errors import FieldProblem, InvalidInput, RecordNotFound
from services.inspections.domain.staff import ACTIVE, REMOVED, StaffMember, read_staff_record
from services.inspections.service.common import invalid, load_settings, write_audit
from services.inspections.service.unit_of_work import AbstractUnitOfWork

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


async def _emit_upserted(uow: AbstractUnitOfWork, m: StaffMember) -> None:
    version = m.bump()
    await uow.emit(people_pb2.StaffMemberUpserted(
        plan_id=m.plan_id, unit_id=m.unit_id, staff_id=m.id, name=m.name, position=m.position,
        roles=list(m.roles), oversees=list(m.oversees), version=version),
        plan_id=m.plan_id, unit_id=m.unit_id, aggregate_id=m.id, version=version)


async def apply_member(uow: AbstractUnitOfWork, actor: str, m: StaffMember, action: str) -> str:
    """Write one member inside an open unit of work: created, updated (facts changed) or unchanged."""
    old = await uow.staff.get(m.plan_id, m.id, lock=True)
    if old is None:
        m.created_at = uow.clock()
        await _emit_upserted(uow, m)
        await uow.staff.add(m)
        await write_audit(uow, actor, f"staff.{action}", "staff", m.id, m.plan_id, None, m.audit_dict())
        return CREATED
    m.version, m.created_at = old.version, old.created_at
    if old.facts() == m.facts():
        return UNCHANGED
    await _emit_upserted(uow, m)
    await uow.staff.save(m)
    await write_audit(uow, actor, f"staff.{action}", "staff", m.id, m.plan_id, old.audit_dict(), m.audit_dict())
    return UPDATED


async def import_staff(uow: AbstractUnitOfWork, actor: str, members: list[StaffMember]) -> dict:
    """The bundle's `staff[]` inside the import's unit of work (idempotent by id; nobody is removed)."""
    counts = {"received": len(members), CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    for m in members:
        counts[await apply_member(uow, actor, m, "imported")] += 1
    return counts


async def put_member(uow: AbstractUnitOfWork, plan_id: str, staff_id: str, body: dict,
                     actor: str) -> tuple[StaffMember, str]:
    """Register or change one person (the office, over REST); the id in the path wins over the body's."""
    async with uow:
        await load_settings(uow, plan_id)
        await uow.lock_plan(plan_id)
        known = await uow.units.ids(plan_id)
        problems = Problems()
        m = read_staff_record(Reader({**body, "id": staff_id}, "", problems), plan_id, known)
        if m is None or problems:
            raise InvalidInput(f"the staff member was rejected: {len(problems)} problem(s)",
                               problems=[FieldProblem(p.path, p.message) for p in problems.items])
        outcome = await apply_member(uow, actor, m, "registered")
        await uow.commit()
    return m, outcome


async def remove_member(uow: AbstractUnitOfWork, plan_id: str, staff_id: str, reason: str,
                        actor: str) -> StaffMember:
    """Take a person off the register (they left the unit); their leave and absences stay."""
    if not reason.strip():
        raise invalid("reason", "a reason is required to remove a member of staff")
    async with uow:
        await uow.lock_plan(plan_id)
        m = await uow.staff.get(plan_id, staff_id, lock=True)
        if m is None:
            raise RecordNotFound("staff member", plan_id, staff_id)
        if m.status == REMOVED:
            return m
        before = m.audit_dict()
        m.status = REMOVED
        version = m.bump()
        await uow.emit(people_pb2.StaffMemberRemoved(plan_id=plan_id, unit_id=m.unit_id, staff_id=m.id,
                                                     reason=reason.strip(), version=version),
                       plan_id=plan_id, unit_id=m.unit_id, aggregate_id=m.id, version=version)
        await uow.staff.save(m)
        await write_audit(uow, actor, "staff.removed", "staff", m.id, plan_id, before, m.audit_dict(),
                          reason=reason.strip())
        await uow.commit()
    return m


async def get_member(uow: AbstractUnitOfWork, plan_id: str, staff_id: str) -> StaffMember:
    async with uow:
        m = await uow.staff.get(plan_id, staff_id)
    if m is None:
        raise RecordNotFound("staff member", plan_id, staff_id)
    return m


async def list_members(uow: AbstractUnitOfWork, plan_id: str, unit_id: str | None = None,
                       include_removed: bool = False) -> list[StaffMember]:
    """The register of a plan (one unit's with `unit_id`), by unit then id."""
    async with uow:
        items = await uow.staff.list(plan_id, ListFilter(unit_id=unit_id))
    items = [m for m in items if include_removed or m.status == ACTIVE]
    return sorted(items, key=lambda m: (m.unit_id, m.id))


async def known_staff_ids(uow: AbstractUnitOfWork, plan_id: str) -> set[str]:
    """Ids of the active register inside an open unit of work (for leave and absence checks)."""
    return {m.id for m in await uow.staff.list(plan_id) if m.status == ACTIVE}

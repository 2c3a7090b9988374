"""Use cases of the staff register (干部职工): import with the bundle, register, change, remove, list.

Every change is one `StaffMemberUpserted`/`StaffMemberRemoved` event in the outbox and one audit row with
the name masked, in the same transaction. Names are never logged.
"""

from __future__ import annotations

from jixiao.messaging.envelope import make_envelope
from jixiao.proto.events.v1 import people_pb2
from jixiao.rules.fields import Problems, Reader
from jixiao.rules.people import PeopleRules
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import leave_approval
from services.inspections.domain.errors import FieldProblem, InvalidInput, RecordNotFound
from services.inspections.domain.imports import AbsenceRecord, LeaveRecord
from services.inspections.domain.model import ACTIVITIES, DISCIPLINE, SOURCE_DISCIPLINE, Absence, Leave, PlanSettings
from services.inspections.domain.staff import ACTIVE, REMOVED, StaffMember, mask_name, read_staff_record
from services.inspections.service.common import invalid, load_settings, write_audit
from services.inspections.service.deductions import new_deduction
from services.inspections.service.unit_of_work import AbstractUnitOfWork

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


async def _emit_upserted(uow: AbstractUnitOfWork, m: StaffMember) -> None:
    version = m.bump()
    await uow.emit(
        people_pb2.StaffMemberUpserted(
            plan_id=m.plan_id,
            unit_id=m.unit_id,
            staff_id=m.id,
            name=m.name,
            position=m.position,
            roles=list(m.roles),
            oversees=list(m.oversees),
            version=version,
        ),
        plan_id=m.plan_id,
        unit_id=m.unit_id,
        aggregate_id=m.id,
        version=version,
    )


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


async def put_member(
    uow: AbstractUnitOfWork, plan_id: str, staff_id: str, body: dict, actor: str
) -> tuple[StaffMember, str]:
    """Register or change one person (the office, over REST); the id in the path wins over the body's."""
    async with uow:
        await load_settings(uow, plan_id)
        await uow.lock_plan(plan_id)
        known = await uow.units.ids(plan_id)
        problems = Problems()
        m = read_staff_record(Reader({**body, "id": staff_id}, "", problems), plan_id, known)
        if m is None or problems:
            raise InvalidInput(
                f"the staff member was rejected: {len(problems)} problem(s)",
                problems=[FieldProblem(p.path, p.message) for p in problems.items],
            )
        outcome = await apply_member(uow, actor, m, "registered")
        await uow.commit()
    return m, outcome


async def remove_member(uow: AbstractUnitOfWork, plan_id: str, staff_id: str, reason: str, actor: str) -> StaffMember:
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
        await uow.emit(
            people_pb2.StaffMemberRemoved(
                plan_id=plan_id, unit_id=m.unit_id, staff_id=m.id, reason=reason.strip(), version=version
            ),
            plan_id=plan_id,
            unit_id=m.unit_id,
            aggregate_id=m.id,
            version=version,
        )
        await uow.staff.save(m)
        await write_audit(
            uow, actor, "staff.removed", "staff", m.id, plan_id, before, m.audit_dict(), reason=reason.strip()
        )
        await uow.commit()
    return m


async def get_member(uow: AbstractUnitOfWork, plan_id: str, staff_id: str) -> StaffMember:
    async with uow:
        m = await uow.staff.get(plan_id, staff_id)
    if m is None:
        raise RecordNotFound("staff member", plan_id, staff_id)
    return m


async def list_members(
    uow: AbstractUnitOfWork, plan_id: str, unit_id: str | None = None, include_removed: bool = False
) -> list[StaffMember]:
    """The register of a plan (one unit's with `unit_id`), by unit then id."""
    async with uow:
        items = await uow.staff.list(plan_id, ListFilter(unit_id=unit_id))
    items = [m for m in items if include_removed or m.status == ACTIVE]
    return sorted(items, key=lambda m: (m.unit_id, m.id))


async def known_staff_ids(uow: AbstractUnitOfWork, plan_id: str) -> set[str]:
    """Ids of the active register inside an open unit of work (for leave and absence checks)."""
    return {m.id for m in await uow.staff.list(plan_id) if m.status == ACTIVE}


async def import_leaves_and_absences(
    uow: AbstractUnitOfWork,
    actor: str,
    settings: PlanSettings,
    leaves: list[LeaveRecord],
    absences: list[AbsenceRecord],
) -> dict:
    """The bundle's `leaves[]` and `absences[]` of registered people, inside the import's unit of work:
    new ids are recorded (and published), known ids are left as they are; an absence not excused and
    not covered by an excusing leave of the person deducts the plan's points, as over REST."""
    plan_id = settings.plan_id
    counts = {
        "leaves": {"received": len(leaves), "created": 0, "unchanged": 0},
        "absences": {"received": len(absences), "created": 0, "unchanged": 0, "deducting": 0},
    }
    names = {m.id: m.name for m in await uow.staff.list(plan_id)}
    for r in leaves:
        if await uow.leaves.get(plan_id, r.id) is not None:
            counts["leaves"]["unchanged"] += 1
            continue
        leave = Leave(
            plan_id,
            r.id,
            r.unit_id,
            names.get(r.person_id, ""),
            r.start,
            r.end,
            r.note,
            type=r.type,
            person_id=r.person_id,
        )
        await uow.leaves.add(leave)
        await emit_leave(uow, leave)
        await write_audit(
            uow,
            actor,
            "leave.imported",
            "leave",
            leave.id,
            plan_id,
            None,
            {**leave.as_dict(), "person": mask_name(leave.person)},
        )
        counts["leaves"]["created"] += 1
    stored = await uow.leaves.list(plan_id)
    excusing = PeopleRules(settings.year).excusing_types
    for r in absences:
        if await uow.absences.get(plan_id, r.id) is not None:
            counts["absences"]["unchanged"] += 1
            continue
        covered = "" if r.excused else covering_leave(stored, r.person_id, r.date, excusing)
        absence = Absence(
            plan_id,
            r.id,
            r.unit_id,
            names.get(r.person_id, ""),
            r.activity,
            r.date,
            r.excused or bool(covered),
            r.note,
            person_id=r.person_id,
            excused_by_leave=covered,
        )
        if not absence.excused:
            d = await new_deduction(
                uow,
                settings,
                actor,
                unit_id=r.unit_id,
                kind=DISCIPLINE,
                points=settings.discipline_points,
                day=r.date,
                aspect="",
                note=f"unexcused absence of staff {r.person_id} ({ACTIVITIES[r.activity]})",
                source=SOURCE_DISCIPLINE,
                source_ref=absence.id,
            )
            absence.deduction_id = d.id
            counts["absences"]["deducting"] += 1
        await uow.absences.add(absence)
        await emit_absence(uow, absence)
        await write_audit(
            uow,
            actor,
            "absence.imported",
            "absence",
            absence.id,
            plan_id,
            None,
            {**absence.as_dict(), "person": mask_name(absence.person)},
        )
        counts["absences"]["created"] += 1
    return counts


def covering_leave(leaves: list[Leave], person_id: str, day, excusing: frozenset[str]) -> str:
    """The id of a granted (not rejected) leave of an excusing type of the person covering the day, or ""."""
    if not person_id:
        return ""
    return next(
        (
            lv.id
            for lv in leaves
            if lv.person_id == person_id and lv.granted and lv.type in excusing and lv.start <= day <= lv.end
        ),
        "",
    )


def leave_payload(leave: Leave) -> people_pb2.LeaveRecorded:
    return people_pb2.LeaveRecorded(
        plan_id=leave.plan_id,
        unit_id=leave.unit_id,
        leave_id=leave.id,
        staff_id=leave.person_id,
        type=leave.type,
        start=leave.start.isoformat(),
        end=leave.end.isoformat(),
        version=leave.version,
        approval=leave.approval,
    )


def absence_payload(absence: Absence) -> people_pb2.AbsenceRecorded:
    return people_pb2.AbsenceRecorded(
        plan_id=absence.plan_id,
        unit_id=absence.unit_id,
        absence_id=absence.id,
        staff_id=absence.person_id,
        activity=absence.activity,
        date=absence.date.isoformat(),
        excused=absence.excused,
        version=absence.version,
    )


async def emit_leave(uow: AbstractUnitOfWork, leave: Leave) -> None:
    """LeaveRecorded of a registered person's leave (scoring grades their eligibility from it); a new
    version with every decision of its leave form."""
    await uow.emit(
        leave_payload(leave), plan_id=leave.plan_id, unit_id=leave.unit_id, aggregate_id=leave.id, version=leave.version
    )


async def emit_absence(uow: AbstractUnitOfWork, absence: Absence) -> None:
    """AbsenceRecorded of a registered person's absence (a new version when it is judged again)."""
    await uow.emit(
        absence_payload(absence),
        plan_id=absence.plan_id,
        unit_id=absence.unit_id,
        aggregate_id=absence.id,
        version=absence.version,
    )


async def people_envelopes(uow: AbstractUnitOfWork, plan_id: str) -> list[bytes]:
    """The register, leave and absences of registered people as envelopes at their current versions,
    inside an open unit of work (the snapshot that lets scoring reconcile without Kafka)."""

    def env(payload, unit_id: str, aggregate_id: str, version: int) -> bytes:
        return make_envelope(
            source="inspections",
            payload=payload,
            plan_id=plan_id,
            unit_id=unit_id,
            aggregate_id=aggregate_id,
            version=version,
        ).SerializeToString(deterministic=True)

    out: list[bytes] = []
    for m in sorted(await uow.staff.list(plan_id), key=lambda m: m.id):
        upserted = m.version - 1 if m.status == REMOVED else m.version
        out.append(
            env(
                people_pb2.StaffMemberUpserted(
                    plan_id=plan_id,
                    unit_id=m.unit_id,
                    staff_id=m.id,
                    name=m.name,
                    position=m.position,
                    roles=list(m.roles),
                    oversees=list(m.oversees),
                    version=upserted,
                ),
                m.unit_id,
                m.id,
                upserted,
            )
        )
        if m.status == REMOVED:
            out.append(
                env(
                    people_pb2.StaffMemberRemoved(plan_id=plan_id, unit_id=m.unit_id, staff_id=m.id, version=m.version),
                    m.unit_id,
                    m.id,
                    m.version,
                )
            )
    for lv in await uow.leaves.list(plan_id):
        if lv.person_id:
            out.append(env(leave_payload(lv), lv.unit_id, lv.id, lv.version))
    for a in await uow.absences.list(plan_id):
        if a.person_id:
            out.append(env(absence_payload(a), a.unit_id, a.id, a.version))
    return out


async def decide_leave(
    uow: AbstractUnitOfWork, plan_id: str, leave_id: str, approver_id: str, decision: str, reason: str, actor: str
) -> Leave:
    """One step of the leave form's approval chain (科长 → 分管领导 → 主管领导), audited."""
    async with uow:
        await uow.lock_plan(plan_id)
        leave = await uow.leaves.get(plan_id, leave_id, lock=True)
        if leave is None:
            raise RecordNotFound("leave", plan_id, leave_id)
        if not leave.approval:
            raise invalid("leave", f"leave {leave_id!r} was recorded without a leave form to approve")
        approver = await uow.staff.get(plan_id, approver_id)
        if approver is None:
            raise invalid("approver", f"no member of staff {approver_id!r} in plan {plan_id!r}")
        before = {**leave.as_dict(), "person": mask_name(leave.person)}
        step = leave_approval.decide(leave, approver, decision, reason, uow.clock())
        await uow.leaves.save(leave)
        if leave.person_id:
            await emit_leave(uow, leave)  # scoring: a rejected leave is no leave, a pending one is shown
        if leave.approval == leave_approval.REJECTED:
            await _rejudge_absences(uow, leave, actor)
        await write_audit(
            uow,
            actor,
            f"leave.{step}_{decision}",
            "leave",
            leave.id,
            plan_id,
            before,
            {**leave.as_dict(), "person": mask_name(leave.person)},
            reason=reason.strip(),
        )
        await uow.commit()
    return leave


async def _rejudge_absences(uow: AbstractUnitOfWork, rejected: Leave, actor: str) -> None:
    """Absences the rejected leave excused are judged again: excused by another granted leave covering
    the day, or unexcused — the plan's points are deducted, as for any unexcused absence."""
    plan_id = rejected.plan_id
    excused = [
        a for a in await uow.absences.list(plan_id, ListFilter(unit_id=None)) if a.excused_by_leave == rejected.id
    ]
    if not excused:
        return
    settings = await load_settings(uow, plan_id)
    leaves = await uow.leaves.list(plan_id)
    excusing = PeopleRules(settings.year).excusing_types
    for absence in excused:
        before = {**absence.as_dict(), "person": mask_name(absence.person)}
        other = covering_leave(leaves, absence.person_id, absence.date, excusing)
        absence.excused_by_leave = other
        if not other:
            absence.excused = False
            d = await new_deduction(
                uow,
                settings,
                actor,
                unit_id=absence.unit_id,
                kind=DISCIPLINE,
                points=settings.discipline_points,
                day=absence.date,
                aspect="",
                note=f"unexcused absence of staff {absence.person_id} ({ACTIVITIES[absence.activity]}): "
                f"leave {rejected.id} was rejected",
                source=SOURCE_DISCIPLINE,
                source_ref=absence.id,
            )
            absence.deduction_id = d.id
            absence.version += 1
            await emit_absence(uow, absence)
        await uow.absences.save(absence)
        await write_audit(
            uow,
            actor,
            "absence.rejudged",
            "absence",
            absence.id,
            plan_id,
            before,
            {**absence.as_dict(), "person": mask_name(absence.person)},
            reason=f"leave {rejected.id} was rejected",
        )

"""Use cases of administrative efficiency (机关效能): absences that deduct, leave and eligibility."""

from __future__ import annotations

from jixiao.rules.people import LEAVE_TYPES, PeopleRules
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import commands as c
from services.inspections.domain import rules
from services.inspections.domain.leave_approval import PENDING
from services.inspections.domain.model import ACTIVITIES, DISCIPLINE, SOURCE_DISCIPLINE, Absence, Leave
from services.inspections.domain.staff import mask_name
from services.inspections.service.common import check_unit, invalid, load_settings, new_id, write_audit
from services.inspections.service.deductions import new_deduction
from services.inspections.service.staff import covering_leave, emit_absence, emit_leave
from services.inspections.service.unit_of_work import AbstractUnitOfWork


async def record_absence(uow: AbstractUnitOfWork, cmd: c.RecordAbsence, actor: str) -> tuple[Absence, bool]:
    """Record an absence; an unexcused one deducts the plan's points per absence (kind `discipline`)."""
    if cmd.activity not in ACTIVITIES:
        raise invalid("activity", f"must be one of {', '.join(ACTIVITIES)}")
    if not cmd.person.strip() and not cmd.person_id:
        raise invalid("person", "a person is required")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await load_settings(uow, cmd.plan_id)
        await check_unit(uow, cmd.plan_id, cmd.unit_id)
        if cmd.id and (old := await uow.absences.get(cmd.plan_id, cmd.id)) is not None:
            return old, False
        person = await _person(uow, cmd.plan_id, cmd.unit_id, cmd.person, cmd.person_id)
        # 请假、出差人员、外出办事人员除外: a recorded leave, trip or official duty covering the day excuses it
        # (not a rejected one: the person was not granted leave; a pending one does, until it is rejected)
        covered = "" if cmd.excused else await _covered(uow, cmd.plan_id, cmd.person_id, cmd.date)
        excused = cmd.excused or bool(covered)
        absence = Absence(
            cmd.plan_id,
            cmd.id or new_id(),
            cmd.unit_id,
            person,
            cmd.activity,
            cmd.date,
            excused,
            cmd.note,
            person_id=cmd.person_id,
            excused_by_leave=covered,
        )
        if not excused:
            if DISCIPLINE not in settings.kinds:
                raise invalid("kind", f"the plan has no deduction kind {DISCIPLINE!r}")
            d = await new_deduction(
                uow,
                settings,
                actor,
                unit_id=cmd.unit_id,
                kind=DISCIPLINE,
                points=settings.discipline_points,
                day=cmd.date,
                aspect="",
                note=f"unexcused absence of {absence.person} ({ACTIVITIES[cmd.activity]})",
                source=SOURCE_DISCIPLINE,
                source_ref=absence.id,
            )
            absence.deduction_id = d.id
        await uow.absences.add(absence)
        if absence.person_id:  # only a registered person's record can reach their eligibility in scoring
            await emit_absence(uow, absence)
        masked = {**absence.as_dict(), "person": mask_name(absence.person)}  # names are masked in audit
        await write_audit(uow, actor, "absence.recorded", "absence", absence.id, cmd.plan_id, None, masked)
        await uow.commit()
    return absence, True


async def record_leave(uow: AbstractUnitOfWork, cmd: c.RecordLeave, actor: str) -> tuple[Leave, bool]:
    if cmd.end < cmd.start:
        raise invalid("end", "the leave ends before it starts")
    if cmd.type not in LEAVE_TYPES:
        raise invalid("type", f"must be one of {', '.join(f'{k} ({v})' for k, v in LEAVE_TYPES.items())}")
    if not cmd.person.strip() and not cmd.person_id:
        raise invalid("person", "a person is required")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        await load_settings(uow, cmd.plan_id)
        await check_unit(uow, cmd.plan_id, cmd.unit_id)
        if cmd.id and (old := await uow.leaves.get(cmd.plan_id, cmd.id)) is not None:
            return old, False
        person = await _person(uow, cmd.plan_id, cmd.unit_id, cmd.person, cmd.person_id)
        leave = Leave(
            cmd.plan_id,
            cmd.id or new_id(),
            cmd.unit_id,
            person,
            cmd.start,
            cmd.end,
            cmd.note,
            type=cmd.type,
            person_id=cmd.person_id,
            approval=PENDING if cmd.person_id else "",
        )
        await uow.leaves.add(leave)
        if leave.person_id:
            await emit_leave(uow, leave)
        masked = {**leave.as_dict(), "person": mask_name(leave.person)}  # names are masked in audit
        await write_audit(uow, actor, "leave.recorded", "leave", leave.id, cmd.plan_id, None, masked)
        await uow.commit()
    return leave, True


async def leave_eligibility(
    uow: AbstractUnitOfWork, plan_id: str, f: ListFilter, year: int | None = None
) -> tuple[int, list[rules.LeaveStatus]]:
    """Who is on leave how long in the year, and who is therefore not eligible for excellence."""
    async with uow:
        settings = await load_settings(uow, plan_id)
        leaves = await uow.leaves.list(plan_id, ListFilter(unit_id=f.unit_id, person=f.person))
    year = year or settings.year
    return year, rules.leave_status(leaves, year)


async def _person(uow: AbstractUnitOfWork, plan_id: str, unit_id: str, name: str, person_id: str) -> str:
    """The display name of a record: the register's when a staff id is given (which must be of the unit)."""
    if not person_id:
        return name.strip()
    member = await uow.staff.get(plan_id, person_id)
    if member is None or member.status != "active":
        raise invalid("person_id", f"no member of staff {person_id!r} in plan {plan_id!r}")
    if member.unit_id != unit_id:
        raise invalid("person_id", f"member of staff {person_id!r} belongs to unit {member.unit_id!r}")
    return name.strip() or member.name


async def _covered(uow: AbstractUnitOfWork, plan_id: str, person_id: str, day) -> str:
    """The granted leave of an excusing type (the seeds': every type) of this person covering the day, or ""."""
    if not person_id:
        return ""
    excusing = PeopleRules(day.year).excusing_types
    return covering_leave(await uow.leaves.list(plan_id, ListFilter(unit_id=None)), person_id, day, excusing)

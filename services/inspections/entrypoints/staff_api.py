"""REST routes of the staff register: the office registers, changes and removes people; anyone reads."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from jixiao.auth import signed_in
from jixiao.rules.people import LEAVE_TYPES, ROLES
from jixiao.validation import PathId
from services.inspections.domain import commands as c
from services.inspections.entrypoints import schemas as s
from services.inspections.entrypoints.deps import OFFICE_ONLY, Actor, Uow
from services.inspections.entrypoints.staff_schemas import (
    LeaveDecision,
    PersonAbsenceCreate,
    PersonAbsenceRead,
    PersonLeaveCreate,
    PersonLeaveRead,
    StaffMemberRead,
    StaffMemberUpdate,
)
from services.inspections.service import handlers
from services.inspections.service import staff as h

router = APIRouter(prefix="/v1", tags=["staff"], dependencies=[Depends(signed_in)])


@router.get("/plans/{plan_id}/staff", response_model=list[StaffMemberRead])
async def list_staff(
    plan_id: PathId, uow: Uow, unit_id: str | None = None, include_removed: bool = False
) -> list[StaffMemberRead]:
    """The register of the plan (one unit's with `unit_id`), by unit then id."""
    return [StaffMemberRead.of(m) for m in await h.list_members(uow, plan_id, unit_id, include_removed)]


@router.get("/staff-roles")
async def staff_roles() -> dict:
    """The role and leave-type codes with their Chinese labels (for the office's forms)."""
    return {
        "roles": [{"code": k, "label": v} for k, v in ROLES.items()],
        "leave_types": [{"code": k, "label": v} for k, v in LEAVE_TYPES.items()],
    }


@router.get("/plans/{plan_id}/staff/{staff_id}", response_model=StaffMemberRead)
async def get_staff(plan_id: PathId, staff_id: str, uow: Uow) -> StaffMemberRead:
    return StaffMemberRead.of(await h.get_member(uow, plan_id, staff_id))


@router.put("/plans/{plan_id}/staff/{staff_id}", response_model=StaffMemberRead, dependencies=OFFICE_ONLY)
async def put_staff(
    plan_id: PathId, staff_id: str, body: StaffMemberUpdate, uow: Uow, actor: Actor, response: Response
) -> StaffMemberRead:
    """Register (201) or change (200) a person; an unchanged record publishes nothing."""
    m, outcome = await h.put_member(uow, plan_id, staff_id, body.model_dump(), actor)
    response.status_code = status.HTTP_201_CREATED if outcome == h.CREATED else status.HTTP_200_OK
    return StaffMemberRead.of(m)


@router.post("/plans/{plan_id}/staff/{staff_id}/remove", response_model=StaffMemberRead, dependencies=OFFICE_ONLY)
async def remove_staff(plan_id: PathId, staff_id: str, body: s.ReasonIn, uow: Uow, actor: Actor) -> StaffMemberRead:
    """Take a person off the register with a reason (audited); their leave and absences stay."""
    return StaffMemberRead.of(await h.remove_member(uow, plan_id, staff_id, body.reason, actor))


@router.post(
    "/plans/{plan_id}/people/leaves", response_model=PersonLeaveRead, status_code=201, dependencies=OFFICE_ONLY
)
async def post_person_leave(
    plan_id: PathId, body: PersonLeaveCreate, uow: Uow, actor: Actor, response: Response
) -> PersonLeaveRead:
    """A typed leave (事假, 病假, 年休假, ... 出差, 公务) of a registered person; a retried id records once."""
    cmd = c.RecordLeave(
        plan_id, body.unit_id, "", body.start, body.end, body.note, body.id, type=body.type, person_id=body.person_id
    )
    leave, new = await handlers.record_leave(uow, cmd, actor)
    response.status_code = status.HTTP_201_CREATED if new else status.HTTP_200_OK
    return PersonLeaveRead.of(leave)


@router.post(
    "/plans/{plan_id}/people/absences", response_model=PersonAbsenceRead, status_code=201, dependencies=OFFICE_ONLY
)
async def post_person_absence(
    plan_id: PathId, body: PersonAbsenceCreate, uow: Uow, actor: Actor, response: Response
) -> PersonAbsenceRead:
    """An absence of a registered person; excused (no deduction) when their leave or trip covers the day."""
    cmd = c.RecordAbsence(
        plan_id, body.unit_id, "", body.activity, body.date, body.excused, body.note, body.id, person_id=body.person_id
    )
    absence, new = await handlers.record_absence(uow, cmd, actor)
    response.status_code = status.HTTP_201_CREATED if new else status.HTTP_200_OK
    return PersonAbsenceRead.of(absence)


@router.post(
    "/plans/{plan_id}/people/leaves/{leave_id}/decisions", response_model=PersonLeaveRead, dependencies=OFFICE_ONLY
)
async def post_leave_decision(
    plan_id: PathId, leave_id: str, body: LeaveDecision, uow: Uow, actor: Actor
) -> PersonLeaveRead:
    """The next step of the leave form (科长 → 分管领导 → 主管领导 for more than a day), audited."""
    return PersonLeaveRead.of(
        await h.decide_leave(uow, plan_id, leave_id, body.approver, body.decision, body.reason, actor)
    )

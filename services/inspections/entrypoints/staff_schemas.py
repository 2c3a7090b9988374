"""API schemas of the staff register (干部职工)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from jixiao.rules.people import LEAVE_TYPES
from services.inspections.domain.model import Absence, Leave
from services.inspections.domain.staff import StaffMember

Text = Annotated[str, Field(max_length=200)]


class StaffMemberUpdate(BaseModel):
    """A person as the office registers them; roles as codes or their Chinese labels (主管领导, 分管领导, ...)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    unit: Annotated[str, Field(min_length=1, max_length=100)]
    position: Text = ""
    roles: Annotated[list[Text], Field(max_length=10)] = ["staff"]
    oversees: Annotated[list[Text], Field(max_length=200)] = []


class StaffMemberRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    name: str
    position: str
    roles: list[str]
    role_labels: list[str]
    oversees: list[str]
    status: str
    version: int

    @classmethod
    def of(cls, m: StaffMember) -> StaffMemberRead:
        return cls(plan_id=m.plan_id, **m.as_dict())


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonLeaveCreate(_In):
    """A leave, trip or official duty of a registered person (type: a LEAVE_TYPES code)."""

    unit_id: Annotated[str, Field(min_length=1, max_length=100)]
    person_id: Annotated[str, Field(min_length=1, max_length=100)]
    type: Annotated[str, Field(min_length=1, max_length=30)]
    start: date
    end: date
    note: Annotated[str, Field(max_length=4000)] = ""
    id: Annotated[str | None, Field(max_length=100)] = None


class PersonLeaveRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    person_id: str
    person: str
    type: str
    type_label: str
    start: date
    end: date
    note: str
    approval: str
    approvals: list[dict]

    @classmethod
    def of(cls, lv: Leave) -> PersonLeaveRead:
        return cls(
            type_label=LEAVE_TYPES.get(lv.type, lv.type),
            **{k: getattr(lv, k) for k in cls.model_fields if k != "type_label"},
        )


class PersonAbsenceCreate(_In):
    """An absence of a registered person from an organised activity (labour, culture, study) on a date."""

    unit_id: Annotated[str, Field(min_length=1, max_length=100)]
    person_id: Annotated[str, Field(min_length=1, max_length=100)]
    activity: Annotated[str, Field(min_length=1, max_length=30)]
    date: date
    excused: bool = False
    note: Annotated[str, Field(max_length=4000)] = ""
    id: Annotated[str | None, Field(max_length=100)] = None


class PersonAbsenceRead(BaseModel):
    id: str
    plan_id: str
    unit_id: str
    person_id: str
    person: str
    activity: str
    date: date
    excused: bool
    note: str
    deduction_id: str

    @classmethod
    def of(cls, a: Absence) -> PersonAbsenceRead:
        return cls(**{k: getattr(a, k) for k in cls.model_fields})


class LeaveDecision(_In):
    """One step of the leave form (请假单): the approver's staff id, approve or reject, and why."""

    approver: Annotated[str, Field(min_length=1, max_length=100)]
    decision: Annotated[str, Field(pattern="^(approve|reject)$")]
    reason: Annotated[str, Field(max_length=4000)] = ""

"""The leave form's approval chain (请假单三级审批, stdlib only): a leave of more than a day goes to the
section head, then the deputy leader in charge, then the lead leader (科长 → 分管领导 → 主管领导);
a leave of a day needs the section head only. Each step is a decision by a registered person."""

from __future__ import annotations

from datetime import datetime

from .errors import Conflict, FieldProblem, InvalidInput
from .model import Leave
from .staff import ACTIVE, StaffMember

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
APPROVE, REJECT = "approve", "reject"
CHAIN = ("head", "deputy_leader", "leader")
LONG_LEAVE_DAYS = 1  # 「请假一天以上必须填写请假单,分别经科长、分管领导、主管领导审批」


def steps_for(leave: Leave) -> tuple[str, ...]:
    """The roles that must approve this leave, in order."""
    days = (leave.end - leave.start).days + 1
    return CHAIN if days > LONG_LEAVE_DAYS else CHAIN[:1]


def may_approve(step: str, approver: StaffMember, leave: Leave) -> bool:
    """Whether the approver holds the step's role for the leave's unit (a deputy leader: their unit or one
    they oversee; the lead leader: any unit)."""
    if approver.status != ACTIVE or step not in approver.roles:
        return False
    if step == "head":
        return approver.unit_id == leave.unit_id
    if step == "deputy_leader":
        return approver.unit_id == leave.unit_id or leave.unit_id in approver.oversees
    return True


def decide(leave: Leave, approver: StaffMember, decision: str, reason: str, at: datetime) -> str:
    """Record the next step's decision; returns the step. A decided leave is a Conflict, the wrong
    approver or decision an InvalidInput."""
    if decision not in (APPROVE, REJECT):
        raise InvalidInput("decision must be approve or reject", problems=[FieldProblem("decision", "approve|reject")])
    if leave.approval in (APPROVED, REJECTED):
        raise Conflict(f"leave {leave.id!r} is already {leave.approval}")
    steps = steps_for(leave)
    step = steps[len(leave.approvals)]
    if not may_approve(step, approver, leave):
        raise InvalidInput(
            f"{approver.id!r} may not decide the {step} step of leave {leave.id!r}",
            problems=[FieldProblem("approver", f"must be the {step} of unit {leave.unit_id!r}")],
        )
    if decision == REJECT and not reason.strip():
        raise InvalidInput("a rejection needs a reason", problems=[FieldProblem("reason", "is required")])
    leave.approvals = [
        *leave.approvals,
        {"step": step, "approver": approver.id, "decision": decision, "reason": reason.strip(), "at": at.isoformat()},
    ]
    if decision == REJECT:
        leave.approval = REJECTED
    elif len(leave.approvals) == len(steps):
        leave.approval = APPROVED
    else:
        leave.approval = PENDING
    return step

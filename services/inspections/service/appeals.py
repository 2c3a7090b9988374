"""Use cases of appeals (申诉) against a deduction: file within the window, decide once."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.errors import Conflict
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import commands as c
from services.inspections.domain import rules
from services.inspections.domain.errors import (
    AppealAlreadyOpen,
    AppealNotAllowed,
    AppealWindowClosed,
    RecordNotFound,
)
from services.inspections.domain.model import DECISIONS, REVOKE_DEDUCTION, Appeal
from services.inspections.service.common import invalid, load_settings, new_id, write_audit
from services.inspections.service.events import emit_recorded, emit_revoked
from services.inspections.service.unit_of_work import AbstractUnitOfWork


async def file_appeal(uow: AbstractUnitOfWork, cmd: c.FileAppeal, actor: str) -> tuple[Appeal, bool]:
    """A unit appeals a deduction within the plan's window (counted from the day it entered the ledger)."""
    if not cmd.reason.strip():
        raise invalid("reason", "a reason is required")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await load_settings(uow, cmd.plan_id)
        if cmd.id:
            existing = await uow.appeals.get(cmd.plan_id, cmd.id)
            if existing is not None:
                if existing.deduction_id != cmd.deduction_id:
                    raise Conflict(f"appeal {cmd.id!r} already exists for another deduction")
                return existing, False
        d = await uow.deductions.get(cmd.plan_id, cmd.deduction_id, lock=True)
        if d is None:
            raise RecordNotFound("deduction", cmd.plan_id, cmd.deduction_id)
        if not d.active:
            raise AppealNotAllowed(f"deduction {d.id!r} is revoked; there is nothing to appeal")
        previous = await uow.appeals.list(cmd.plan_id, ListFilter(deduction_id=d.id))
        if any(a.status == "open" for a in previous):
            raise AppealAlreadyOpen(f"deduction {d.id!r} already has an open appeal")
        if previous:
            raise AppealNotAllowed(f"the appeal against deduction {d.id!r} was decided; decisions are final")
        now = uow.clock()
        deadline = rules.appeal_deadline((d.created_at or now).date(), settings.appeal_window_days)
        if now.date() > deadline:
            raise AppealWindowClosed(f"the appeal window of deduction {d.id!r} closed on {deadline.isoformat()}")
        appeal = Appeal(cmd.plan_id, cmd.id or new_id(), d.id, d.unit_id, cmd.reason.strip(), actor, now)
        await uow.appeals.add(appeal)
        await write_audit(uow, actor, "appeal.filed", "appeal", appeal.id, appeal.plan_id, None, appeal.as_dict())
        await emit_recorded(uow, d, appeal)  # the same facts, now under appeal (scoring's explanation shows it)
        await uow.deductions.save(d)
        await uow.commit()
    return appeal, True


@dataclass
class Decision:
    appeal: Appeal
    changed: bool  # False: the same decision was delivered again
    deduction_revoked: bool  # True when this delivery revoked the deduction


async def decide_appeal(uow: AbstractUnitOfWork, cmd: c.DecideAppeal, actor: str) -> Decision:
    """Decide an appeal. `revoke_deduction` grants it and revokes the deduction exactly once;
    the same decision delivered again changes nothing; a different one is refused (decisions are final)."""
    if cmd.decision not in DECISIONS:
        raise invalid("decision", f"must be one of {', '.join(DECISIONS)}")
    if not cmd.reason.strip():
        raise invalid("reason", "a reason is required")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        appeal = await uow.appeals.get(cmd.plan_id, cmd.appeal_id, lock=True)
        if appeal is None:
            raise RecordNotFound("appeal", cmd.plan_id, cmd.appeal_id)
        before = appeal.as_dict()
        if not appeal.decide(cmd.decision, cmd.reason.strip(), actor, uow.clock()):
            return Decision(appeal, False, False)
        await uow.appeals.save(appeal)
        await write_audit(uow, actor, "appeal.decided", "appeal", appeal.id, appeal.plan_id, before, appeal.as_dict())
        revoked = False
        d = await uow.deductions.get(cmd.plan_id, appeal.deduction_id, lock=True)
        if cmd.decision == REVOKE_DEDUCTION:
            if d is not None and d.active:
                d_before = d.as_dict()
                await emit_revoked(uow, d, f"appeal {appeal.id} granted: {appeal.decision_reason}", appeal.id)
                await uow.deductions.save(d)
                await write_audit(uow, actor, "deduction.revoked", "deduction", d.id, d.plan_id, d_before, d.as_dict())
                revoked = True
        elif d is not None and d.active:  # rejected: the deduction stands, its appeal's outcome is published
            await emit_recorded(uow, d, appeal)
            await uow.deductions.save(d)
        await uow.commit()
    return Decision(appeal, True, revoked)


async def get_appeal(uow: AbstractUnitOfWork, plan_id: str, appeal_id: str) -> Appeal:
    async with uow:
        a = await uow.appeals.get(plan_id, appeal_id)
    if a is None:
        raise RecordNotFound("appeal", plan_id, appeal_id)
    return a

"""Use cases of one-vote vetoes (一票否决): issue, lift, read."""

from __future__ import annotations

from jixiao.errors import Conflict
from services.inspections.domain import commands as c
from services.inspections.domain.errors import RecordNotFound
from services.inspections.domain.model import Veto
from services.inspections.service.common import check_unit, end_record, invalid, load_settings, new_id, write_audit
from services.inspections.service.events import emit_issued, emit_lifted
from services.inspections.service.unit_of_work import AbstractUnitOfWork


async def issue_veto(uow: AbstractUnitOfWork, cmd: c.IssueVeto, actor: str) -> tuple[Veto, bool]:
    """Issue a one-vote veto against a unit; the category must be one the plan lists."""
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await load_settings(uow, cmd.plan_id)
        if cmd.category not in settings.veto_categories:
            raise invalid(
                "category",
                f"category {cmd.category!r} is not one of the plan's veto categories "
                f"({', '.join(settings.veto_categories)})",
            )
        await check_unit(uow, cmd.plan_id, cmd.unit_id)
        if cmd.id:
            existing = await uow.vetoes.get(cmd.plan_id, cmd.id)
            if existing is not None:
                if existing.facts() != (cmd.unit_id, cmd.category, cmd.date, cmd.document):
                    raise Conflict(f"veto {cmd.id!r} already exists with other facts")
                return existing, False
        v = Veto(
            cmd.plan_id,
            cmd.id or new_id(),
            cmd.unit_id,
            cmd.category,
            cmd.date,
            cmd.document,
            cmd.note,
            created_at=uow.clock(),
        )
        await emit_issued(uow, v)
        await uow.vetoes.add(v)
        await write_audit(uow, actor, "veto.issued", "veto", v.id, v.plan_id, None, v.as_dict())
        await uow.commit()
    return v, True


async def lift_veto(uow: AbstractUnitOfWork, cmd: c.LiftVeto, actor: str) -> Veto:
    """Lift a veto (a reason is required); lifting twice is refused and changes nothing."""
    return await end_record(
        uow, actor, "veto", cmd.plan_id, cmd.veto_id, cmd.expected_version, cmd.reason, emit_lifted, "veto.lifted"
    )


async def get_veto(uow: AbstractUnitOfWork, plan_id: str, veto_id: str) -> Veto:
    async with uow:
        v = await uow.vetoes.get(plan_id, veto_id)
    if v is None:
        raise RecordNotFound("veto", plan_id, veto_id)
    return v

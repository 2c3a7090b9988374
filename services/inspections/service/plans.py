"""Use cases of the plan settings this service keeps (the plan itself belongs to indicators)."""

from __future__ import annotations

from services.inspections.domain import commands as c
from services.inspections.domain.errors import FieldProblem, InvalidInput
from services.inspections.domain.model import PlanSettings
from services.inspections.service.common import load_settings, write_audit
from services.inspections.service.unit_of_work import AbstractUnitOfWork


async def configure_plan(uow: AbstractUnitOfWork, cmd: c.ConfigurePlan, actor: str) -> PlanSettings:
    """Create or replace the plan settings this service uses."""
    problems = []
    if not cmd.kinds:
        problems.append(FieldProblem("deduction_kinds", "at least one deduction kind is required"))
    for kind, cap in cmd.kinds.items():
        if cap is not None and (not cap.is_finite() or cap < 0):
            problems.append(FieldProblem(f"deduction_kinds.{kind}.cap", "must be a number >= 0"))
    if not cmd.discipline_points.is_finite() or cmd.discipline_points <= 0:
        problems.append(FieldProblem("discipline_points_per_absence", "must be > 0"))
    if problems:
        raise InvalidInput("; ".join(map(str, problems)), problems=problems)
    settings = PlanSettings(
        cmd.plan_id,
        cmd.year,
        list(dict.fromkeys(cmd.veto_categories)),
        dict(cmd.kinds),
        cmd.discipline_points,
        cmd.appeal_window_days,
    )
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        before = await uow.plans.get(cmd.plan_id)
        if before is None or before.as_dict() != settings.as_dict():
            await uow.plans.save(settings)
            await write_audit(
                uow,
                actor,
                "plan.configured",
                "plan",
                cmd.plan_id,
                cmd.plan_id,
                before.as_dict() if before else None,
                settings.as_dict(),
            )
        await uow.commit()
    return settings


async def get_plan(uow: AbstractUnitOfWork, plan_id: str) -> PlanSettings:
    async with uow:
        return await load_settings(uow, plan_id)

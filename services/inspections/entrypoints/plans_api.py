"""REST routes of the inspections service: plans (routes only translate)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from jixiao.auth import (
    signed_in,
)
from jixiao.validation import PathId
from services.inspections.domain import commands as c
from services.inspections.domain.model import ACTIVITIES, ASPECTS, MODES, VETO_CATEGORIES
from services.inspections.entrypoints import schemas as s
from services.inspections.entrypoints.deps import OFFICE_ONLY, Actor, Uow
from services.inspections.service import handlers as h

router = APIRouter(prefix="/v1", tags=["inspections"], dependencies=[Depends(signed_in)])


# --- plans -----------------------------------------------------------------------------------


@router.put("/plans/{plan_id}", response_model=s.PlanSettingsRead, dependencies=OFFICE_ONLY)
async def put_plan(plan_id: PathId, body: s.PlanSettingsUpdate, uow: Uow, actor: Actor) -> s.PlanSettingsRead:
    """Set the plan settings this service uses (year, veto categories, deduction kinds and caps, ...)."""
    cmd = c.ConfigurePlan(
        plan_id,
        body.year,
        body.veto_categories,
        {k.kind: k.cap for k in body.deduction_kinds},
        body.discipline_points_per_absence,
        body.appeal_window_days,
    )
    return s.PlanSettingsRead.of(await h.configure_plan(uow, cmd, actor))


@router.get("/plans/{plan_id}", response_model=s.PlanSettingsRead)
async def get_plan(plan_id: PathId, uow: Uow) -> s.PlanSettingsRead:
    return s.PlanSettingsRead.of(await h.get_plan(uow, plan_id))


@router.get("/plans/{plan_id}/form-options")
async def form_options(plan_id: PathId, uow: Uow) -> dict:
    """Everything an inspector's mobile entry form needs in one request: codes with their Chinese labels."""
    plan = await h.get_plan(uow, plan_id)
    return {
        "plan_id": plan_id,
        "year": plan.year,
        "modes": [{"code": k, "label": v} for k, v in MODES.items()],
        "aspects": [{"code": k, "label": v} for k, v in ASPECTS.items()],
        "veto_categories": [{"code": k, "label": VETO_CATEGORIES.get(k, k)} for k in plan.veto_categories],
        "deduction_kinds": list(plan.kinds),
        "activities": [{"code": k, "label": v} for k, v in ACTIVITIES.items()],
        "discipline_points_per_absence": s.dec_str(plan.discipline_points),
    }

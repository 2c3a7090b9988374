"""REST for reminders before an appraisal (routes only translate)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query
from pydantic import BaseModel

from jixiao.validation import PathId
from services.indicators.service.reminders import list_reminders

from .deps import SIGNED_IN, UoW

router = APIRouter(prefix="/v1/plans/{plan_id}", tags=["reminders"], dependencies=SIGNED_IN)


class ReminderRead(BaseModel):
    """A unit that still owes results for a graded period ending soon."""

    period: str
    ends_on: dt.date
    unit_id: str
    unit_name: str
    missing: list[str]
    unconfirmed: list[str]


@router.get("/reminders", response_model=list[ReminderRead])
async def get_reminders(
    plan_id: PathId,
    uow: UoW,
    within_days: int = Query(14, ge=0, le=366, description="periods ending within this many days"),
    as_of: dt.date | None = Query(None, description="today (default: the server's date)"),
) -> list[ReminderRead]:
    """Units with leaves not entered (`missing`) or not confirmed for each appraised period (the year
    and the plan's `graded_periods`) that ends between `as_of` and `within_days` days later."""
    found = await list_reminders(uow, plan_id, as_of or dt.date.today(), within_days)
    return [
        ReminderRead(
            period=r.period,
            ends_on=r.ends_on,
            unit_id=r.unit_id,
            unit_name=r.unit_name,
            missing=list(r.missing),
            unconfirmed=list(r.unconfirmed),
        )
        for r in found
    ]

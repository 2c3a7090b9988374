"""Use cases of the deduction ledger (察访检验台帐): record, revoke, read, and the year's ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from jixiao.errors import Conflict
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import commands as c
from services.inspections.domain import rules
from services.inspections.domain.errors import RecordNotFound
from services.inspections.domain.model import ASPECTS, DISCIPLINE, SOURCE_MANUAL, Deduction, PlanSettings
from services.inspections.service.common import (
    check_points,
    check_unit,
    end_record,
    invalid,
    load_settings,
    new_id,
    write_audit,
)
from services.inspections.service.events import emit_recorded, emit_revoked
from services.inspections.service.unit_of_work import AbstractUnitOfWork


def draft_deduction(
    settings: PlanSettings,
    *,
    unit_id: str,
    kind: str,
    points: Decimal,
    day: date,
    aspect: str,
    note: str,
    source: str,
    source_ref: str = "",
    deduction_id: str | None = None,
    person: str = "",
    created_at: datetime,
) -> Deduction:
    """A deduction not yet recorded (version 0): `new_deduction` records it."""
    return Deduction(
        settings.plan_id,
        deduction_id or new_id(),
        unit_id,
        kind,
        points,
        day,
        aspect,
        note,
        source,
        source_ref,
        created_at=created_at,
        person=person,
    )


async def new_deduction(
    uow: AbstractUnitOfWork,
    settings: PlanSettings,
    actor: str,
    *,
    unit_id: str,
    kind: str,
    points: Decimal,
    day: date,
    aspect: str,
    note: str,
    source: str,
    source_ref: str = "",
    deduction_id: str | None = None,
    person: str = "",
) -> Deduction:
    """Enter a deduction in the ledger (DeductionRecorded and an audit row); every area records through this
    (the bulk import writes the same, many at a time: service/importing.py)."""
    d = draft_deduction(
        settings,
        unit_id=unit_id,
        kind=kind,
        points=points,
        day=day,
        aspect=aspect,
        note=note,
        source=source,
        source_ref=source_ref,
        deduction_id=deduction_id,
        person=person,
        created_at=uow.clock(),
    )
    await emit_recorded(uow, d)
    await uow.deductions.add(d)
    await write_audit(uow, actor, "deduction.recorded", "deduction", d.id, d.plan_id, None, d.as_dict())
    return d


async def record_deduction(uow: AbstractUnitOfWork, cmd: c.RecordDeduction, actor: str) -> tuple[Deduction, bool]:
    """Enter a deduction in the ledger; returns it and whether it is new (a retried id is not)."""
    check_points(cmd.points)
    if cmd.aspect and cmd.aspect not in ASPECTS:
        raise invalid("aspect", f"unknown aspect {cmd.aspect!r} (one of {', '.join(ASPECTS)})")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await load_settings(uow, cmd.plan_id)
        if cmd.kind not in settings.kinds:
            raise invalid("kind", f"unknown deduction kind {cmd.kind!r} (plan kinds: {', '.join(settings.kinds)})")
        await check_unit(uow, cmd.plan_id, cmd.unit_id)
        person = cmd.person.strip()
        if person:
            await check_person(uow, cmd.plan_id, cmd.unit_id, cmd.kind, person)
        if cmd.id:
            existing = await uow.deductions.get(cmd.plan_id, cmd.id)
            if existing is not None:
                if existing.facts() != (cmd.unit_id, cmd.kind, cmd.points, cmd.date, cmd.aspect, person):
                    raise Conflict(f"deduction {cmd.id!r} already exists with other facts")
                return existing, False
        d = await new_deduction(
            uow,
            settings,
            actor,
            unit_id=cmd.unit_id,
            kind=cmd.kind,
            points=cmd.points,
            day=cmd.date,
            aspect=cmd.aspect,
            note=cmd.note,
            source=SOURCE_MANUAL,
            deduction_id=cmd.id,
            person=person,
        )
        await uow.commit()
    return d, True


async def check_person(uow: AbstractUnitOfWork, plan_id: str, unit_id: str, kind: str, person: str) -> None:
    """A deduction naming a person is a discipline deduction of a registered member of the unit's staff."""
    if kind != DISCIPLINE:
        raise invalid("person", f"only a {DISCIPLINE!r} deduction may name a person, not a {kind!r} one")
    member = await uow.staff.get(plan_id, person)
    if member is None or member.status != "active":
        raise invalid("person", f"no member of staff {person!r} in plan {plan_id!r}")
    if member.unit_id != unit_id:
        raise invalid("person", f"member of staff {person!r} belongs to unit {member.unit_id!r}, not {unit_id!r}")


async def revoke_deduction(uow: AbstractUnitOfWork, cmd: c.RevokeDeduction, actor: str) -> Deduction:
    """Revoke an active deduction (an office correction); revoking twice is refused and changes nothing."""
    return await end_record(
        uow,
        actor,
        "deduction",
        cmd.plan_id,
        cmd.deduction_id,
        cmd.expected_version,
        cmd.reason,
        emit_revoked,
        "deduction.revoked",
    )


async def get_deduction(uow: AbstractUnitOfWork, plan_id: str, deduction_id: str) -> Deduction:
    async with uow:
        d = await uow.deductions.get(plan_id, deduction_id)
    if d is None:
        raise RecordNotFound("deduction", plan_id, deduction_id)
    return d


@dataclass
class Ledger:
    settings: PlanSettings
    year: int
    lines: list[rules.LedgerLine]
    totals: list[rules.LedgerTotal]


async def ledger(uow: AbstractUnitOfWork, plan_id: str, f: ListFilter, year: int | None = None) -> Ledger:
    """The 察访检验台帐 of a year: lines with running totals per unit and kind, totals with the cap beside."""
    async with uow:
        settings = await load_settings(uow, plan_id)
        year = year or settings.year
        first, last = rules.year_range(year)
        f = ListFilter(
            unit_id=f.unit_id,
            kind=f.kind,
            status=f.status,
            aspect=f.aspect,
            date_from=max(f.date_from or first, first),
            date_to=min(f.date_to or last, last),
        )
        deductions = await uow.deductions.list(plan_id, f)
    lines, totals = rules.ledger(deductions, settings)
    return Ledger(settings, year, lines, totals)

"""The bulk import (`POST /v1/import`): validate the whole bundle, then write deductions and vetoes by id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.inspections.domain.errors import FieldProblem, InvalidInput
from services.inspections.domain.imports import DeductionRecord, ImportBatch, VetoRecord, validate_import
from services.inspections.domain.model import SOURCE_IMPORT, Deduction, PlanSettings, Veto
from services.inspections.service.common import write_audit
from services.inspections.service.deduction_writes import DeductionWrites
from services.inspections.service.deductions import draft_deduction
from services.inspections.service.events import emit_issued
from services.inspections.service.staff import import_leaves_and_absences, import_staff
from services.inspections.service.unit_of_work import AbstractUnitOfWork


@dataclass
class ImportCounts:
    plan_id: str
    plan: str = "unchanged"  # created | updated | unchanged
    units: dict = field(default_factory=lambda: {"received": 0, "changed": 0})
    deductions: dict = field(
        default_factory=lambda: {
            "received": 0,
            "created": 0,
            "updated": 0,
            "revoked": 0,
            "unchanged": 0,
            "already_revoked": 0,
            "kept_revoked": 0,
        }
    )
    vetoes: dict = field(
        default_factory=lambda: {"received": 0, "created": 0, "updated": 0, "unchanged": 0, "kept_lifted": 0}
    )
    staff: dict = field(default_factory=lambda: {"received": 0, "created": 0, "updated": 0, "unchanged": 0})
    leaves: dict = field(default_factory=dict)
    absences: dict = field(default_factory=dict)
    events: int = 0
    notes: list[str] = field(default_factory=list)


IMPORT_REVOKE_REASON = "revoked: true in the imported bundle"


async def import_bundle(uow: AbstractUnitOfWork, doc: Any, actor: str, *, dry_run: bool = False) -> ImportCounts:
    """Import the deductions, vetoes and staff register of a bundle: validate everything first, then write, idempotent by id.
    With `dry_run` everything is checked and counted and the transaction is rolled back."""
    plan = doc.get("plan") if isinstance(doc, dict) else None
    plan_id = plan.get("id") if isinstance(plan, dict) and isinstance(plan.get("id"), str) else ""
    async with uow:
        if plan_id:
            await uow.lock_plan(plan_id)
        existing_settings = await uow.plans.get(plan_id) if plan_id else None
        known_units = await uow.units.ids(plan_id) if plan_id else set()
        known_staff = {m.id: m.unit_id for m in await uow.staff.list(plan_id)} if plan_id else {}
        batch = validate_import(doc, existing=existing_settings, known_units=known_units, known_staff=known_staff)
        plan_id = batch.settings.plan_id
        deductions = {d.id: d for d in await uow.deductions.list(plan_id)}
        vetoes = {v.id: v for v in await uow.vetoes.list(plan_id)}
        _refuse_unit_moves(batch, deductions, vetoes)

        counts = ImportCounts(plan_id)
        if batch.duplicate_ids:
            counts.notes.append(
                f"ids given more than once (the last record stands): {', '.join(sorted(set(batch.duplicate_ids)))}"
            )
        await _import_settings(uow, actor, batch, existing_settings, counts)
        counts.units = {"received": len(batch.units), "changed": await uow.units.upsert(batch.units)}
        writes = DeductionWrites(uow, actor)
        for r in batch.deductions:
            counts.deductions["received"] += 1
            _import_deduction(writes, batch.settings, r, deductions.get(r.id), counts)
        await writes.flush()
        for r in batch.vetoes:
            counts.vetoes["received"] += 1
            await _import_veto(uow, actor, plan_id, r, vetoes.get(r.id), counts)
        counts.staff = await import_staff(uow, actor, batch.staff)
        counts.events += counts.staff["created"] + counts.staff["updated"]
        people = await import_leaves_and_absences(uow, actor, batch.settings, batch.leaves, batch.absences)
        counts.leaves, counts.absences = people["leaves"], people["absences"]
        counts.events += people["leaves"]["created"] + people["absences"]["created"] + people["absences"]["deducting"]
        if not dry_run:
            await uow.commit()
    return counts


def _refuse_unit_moves(batch: ImportBatch, deductions: dict[str, Deduction], vetoes: dict[str, Veto]) -> None:
    """A stored deduction or veto stays with its unit: the whole import is refused otherwise."""
    problems = [
        FieldProblem(
            f"$.deductions[id={r.id}].unit",
            f"deduction {r.id!r} belongs to unit {deductions[r.id].unit_id!r}; a deduction cannot move to another unit",
        )
        for r in batch.deductions
        if r.id in deductions and deductions[r.id].unit_id != r.unit_id
    ]
    problems += [
        FieldProblem(
            f"$.vetoes[id={r.id}].unit",
            f"veto {r.id!r} belongs to unit {vetoes[r.id].unit_id!r}; a veto cannot move to another unit",
        )
        for r in batch.vetoes
        if r.id in vetoes and vetoes[r.id].unit_id != r.unit_id
    ]
    if problems:
        raise InvalidInput(
            f"the import was rejected: {len(problems)} problem(s); nothing was written", problems=problems
        )


async def _import_settings(
    uow: AbstractUnitOfWork, actor: str, batch: ImportBatch, existing: PlanSettings | None, counts: ImportCounts
) -> None:
    """Store the plan's settings (with every imported deduction kind) if they changed, with an audit row."""
    settings = batch.settings
    for r in batch.deductions:
        settings.kinds.setdefault(r.kind, None)
    if existing is None or existing.as_dict() != settings.as_dict():
        await uow.plans.save(settings)
        counts.plan = "created" if existing is None else "updated"
        await write_audit(
            uow,
            actor,
            "plan.imported",
            "plan",
            settings.plan_id,
            settings.plan_id,
            existing.as_dict() if existing else None,
            settings.as_dict(),
        )


def _import_deduction(
    writes: DeductionWrites,
    settings: PlanSettings,
    r: DeductionRecord,
    d: Deduction | None,
    counts: ImportCounts,
) -> None:
    """One imported deduction: new, kept revoked, or the stored one updated and/or revoked."""
    n = counts.deductions
    if d is None:
        _create_deduction(writes, settings, r, counts)
    elif not d.active:
        n["already_revoked" if r.revoked else "kept_revoked"] += 1
        if not r.revoked:
            counts.notes.append(f"deduction {r.id!r} stays revoked ({d.revoke_reason})")
    else:
        _update_deduction(writes, settings.plan_id, d, r, counts)


def _create_deduction(
    writes: DeductionWrites, settings: PlanSettings, r: DeductionRecord, counts: ImportCounts
) -> None:
    """Record a deduction the plan does not have yet (and revoke it at once if the bundle says so),
    as `new_deduction` does."""
    n = counts.deductions
    d = draft_deduction(
        settings,
        unit_id=r.unit_id,
        kind=r.kind,
        points=r.points,
        day=r.date,
        aspect=r.aspect,
        note=r.note,
        source=SOURCE_IMPORT,
        deduction_id=r.id,
        person=r.person,
        created_at=writes.uow.clock(),
    )
    writes.recorded(d)
    writes.add(d)
    writes.write_audit("deduction.recorded", d, settings.plan_id, None)
    counts.events += 1
    n["created"] += 1
    if r.revoked:
        before = d.as_dict()
        writes.revoked(d, IMPORT_REVOKE_REASON)
        writes.save(d)
        writes.write_audit("deduction.revoked", d, settings.plan_id, before)
        counts.events += 1
        n["revoked"] += 1


def _update_deduction(
    writes: DeductionWrites, plan_id: str, d: Deduction, r: DeductionRecord, counts: ImportCounts
) -> None:
    """An active stored deduction: new facts are recorded again, `revoked: true` revokes it."""
    n = counts.deductions
    before = d.as_dict()
    changed = d.facts() != (r.unit_id, r.kind, r.points, r.date, r.aspect, r.person)
    if changed:
        d.kind, d.points, d.date, d.aspect, d.note, d.person = r.kind, r.points, r.date, r.aspect, r.note, r.person
        writes.recorded(d)
        counts.events += 1
        n["updated"] += 1
    if r.revoked:
        writes.revoked(d, IMPORT_REVOKE_REASON)
        counts.events += 1
        n["revoked"] += 1
    if changed or r.revoked:
        writes.save(d)
        writes.write_audit("deduction.imported", d, plan_id, before)
    else:
        n["unchanged"] += 1


async def _import_veto(
    uow: AbstractUnitOfWork, actor: str, plan_id: str, r: VetoRecord, v: Veto | None, counts: ImportCounts
) -> None:
    """One imported veto: issued if new, kept if lifted, issued again if its facts changed."""
    n = counts.vetoes
    if v is None:
        v = Veto(plan_id, r.id, r.unit_id, r.category, r.date, r.document, r.note, created_at=uow.clock())
        await emit_issued(uow, v)
        await uow.vetoes.add(v)
        await write_audit(uow, actor, "veto.issued", "veto", v.id, plan_id, None, v.as_dict())
        counts.events += 1
        n["created"] += 1
    elif not v.in_force:
        n["kept_lifted"] += 1
    elif v.facts() != (r.unit_id, r.category, r.date, r.document):
        before = v.as_dict()
        v.category, v.date, v.document, v.note = r.category, r.date, r.document, r.note
        await emit_issued(uow, v)
        await uow.vetoes.save(v)
        await write_audit(uow, actor, "veto.imported", "veto", v.id, plan_id, before, v.as_dict())
        counts.events += 1
        n["updated"] += 1
    else:
        n["unchanged"] += 1

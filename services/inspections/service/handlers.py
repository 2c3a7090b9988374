"""Use cases: each opens the unit of work, calls the domain, writes events and audit, and commits."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from jixiao.errors import Conflict
from jixiao.logging import current_trace_id
from jixiao.proto.events.v1 import inspections_pb2
from services.inspections.adapters.repository import ListFilter
from services.inspections.domain import commands as c
from services.inspections.domain import rules
from services.inspections.domain.errors import (
    AppealAlreadyOpen, AppealNotAllowed, AppealWindowClosed, FieldProblem, InvalidInput, PlanNotConfigured,
    RecordNotFound,
)
from services.inspections.domain.imports import validate_import
from services.inspections.domain.model import (
    ACTIVITIES, ASPECTS, DECISIONS, DISCIPLINE, INSPECTION, MODES, REVOKE_DEDUCTION, SOURCE_DISCIPLINE,
    SOURCE_FINDING, SOURCE_IMPORT, SOURCE_MANUAL, Absence, Appeal, AuditEntry, Deduction, Evidence, Finding,
    Inspection, Leave, PlanSettings, Veto, dec_str,
)
from services.inspections.service.unit_of_work import AbstractUnitOfWork

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def new_id() -> str:
    return str(uuid.uuid4())


def _invalid(path: str, message: str) -> InvalidInput:
    return InvalidInput(f"{path}: {message}", problems=[FieldProblem(path, message)])


async def _audit(uow: AbstractUnitOfWork, actor: str, action: str, entity_type: str, entity_id: str,
                 plan_id: str, before: dict | None, after: dict | None) -> None:
    await uow.audit.add([AuditEntry(actor, action, entity_type, entity_id, plan_id, before, after,
                                    at=uow.clock(), trace_id=current_trace_id())])


async def _settings(uow: AbstractUnitOfWork, plan_id: str) -> PlanSettings:
    settings = await uow.plans.get(plan_id)
    if settings is None:
        raise PlanNotConfigured(plan_id)
    return settings


async def _check_unit(uow: AbstractUnitOfWork, plan_id: str, unit_id: str) -> None:
    """A plan that knows its units (from an import) refuses others; one that does not accepts any."""
    if not unit_id.strip():
        raise _invalid("unit_id", "a unit is required")
    known = await uow.units.ids(plan_id)
    if known and unit_id not in known:
        raise _invalid("unit_id", f"unknown unit {unit_id!r} in plan {plan_id!r}")


def _check_points(points: Decimal, path: str = "points") -> None:
    if not points.is_finite() or points <= 0:
        raise _invalid(path, f"points must be > 0, got {points}")


# --- events ----------------------------------------------------------------------------------


async def _emit_recorded(uow: AbstractUnitOfWork, d: Deduction) -> None:
    version = d.record()
    env = await uow.emit(inspections_pb2.DeductionRecorded(
        plan_id=d.plan_id, unit_id=d.unit_id, deduction_id=d.id, kind=d.kind, points=dec_str(d.points),
        date=d.date.isoformat(), aspect=d.aspect, version=version),
        plan_id=d.plan_id, unit_id=d.unit_id, aggregate_id=d.id, version=version)
    d.recorded_envelope = env.SerializeToString(deterministic=True)


async def _emit_revoked(uow: AbstractUnitOfWork, d: Deduction, reason: str) -> None:
    version = d.revoke(reason, uow.clock())
    env = await uow.emit(inspections_pb2.DeductionRevoked(
        plan_id=d.plan_id, unit_id=d.unit_id, deduction_id=d.id, reason=reason, version=version),
        plan_id=d.plan_id, unit_id=d.unit_id, aggregate_id=d.id, version=version)
    d.revoked_envelope = env.SerializeToString(deterministic=True)


async def _emit_issued(uow: AbstractUnitOfWork, v: Veto) -> None:
    version = v.issue()
    env = await uow.emit(inspections_pb2.VetoIssued(
        plan_id=v.plan_id, unit_id=v.unit_id, veto_id=v.id, category=v.category, date=v.date.isoformat(),
        document=v.document, version=version),
        plan_id=v.plan_id, unit_id=v.unit_id, aggregate_id=v.id, version=version)
    v.issued_envelope = env.SerializeToString(deterministic=True)


async def _emit_lifted(uow: AbstractUnitOfWork, v: Veto, reason: str) -> None:
    version = v.lift(reason, uow.clock())
    env = await uow.emit(inspections_pb2.VetoLifted(
        plan_id=v.plan_id, unit_id=v.unit_id, veto_id=v.id, reason=reason, version=version),
        plan_id=v.plan_id, unit_id=v.unit_id, aggregate_id=v.id, version=version)
    v.lifted_envelope = env.SerializeToString(deterministic=True)


# --- plan settings ---------------------------------------------------------------------------


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
    settings = PlanSettings(cmd.plan_id, cmd.year, list(dict.fromkeys(cmd.veto_categories)), dict(cmd.kinds),
                            cmd.discipline_points, cmd.appeal_window_days)
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        before = await uow.plans.get(cmd.plan_id)
        if before is None or before.as_dict() != settings.as_dict():
            await uow.plans.save(settings)
            await _audit(uow, actor, "plan.configured", "plan", cmd.plan_id, cmd.plan_id,
                         before.as_dict() if before else None, settings.as_dict())
        await uow.commit()
    return settings


async def get_plan(uow: AbstractUnitOfWork, plan_id: str) -> PlanSettings:
    async with uow:
        return await _settings(uow, plan_id)


# --- deductions ------------------------------------------------------------------------------


async def _new_deduction(uow: AbstractUnitOfWork, settings: PlanSettings, actor: str, *, unit_id: str, kind: str,
                         points: Decimal, day: date, aspect: str, note: str, source: str, source_ref: str = "",
                         deduction_id: str | None = None) -> Deduction:
    d = Deduction(settings.plan_id, deduction_id or new_id(), unit_id, kind, points, day, aspect, note,
                  source, source_ref, created_at=uow.clock())
    await _emit_recorded(uow, d)
    await uow.deductions.add(d)
    await _audit(uow, actor, "deduction.recorded", "deduction", d.id, d.plan_id, None, d.as_dict())
    return d


async def record_deduction(uow: AbstractUnitOfWork, cmd: c.RecordDeduction, actor: str) -> tuple[Deduction, bool]:
    """Enter a deduction in the ledger; returns it and whether it is new (a retried id is not)."""
    _check_points(cmd.points)
    if cmd.aspect and cmd.aspect not in ASPECTS:
        raise _invalid("aspect", f"unknown aspect {cmd.aspect!r} (one of {', '.join(ASPECTS)})")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await _settings(uow, cmd.plan_id)
        if cmd.kind not in settings.kinds:
            raise _invalid("kind", f"unknown deduction kind {cmd.kind!r} (plan kinds: {', '.join(settings.kinds)})")
        await _check_unit(uow, cmd.plan_id, cmd.unit_id)
        if cmd.id:
            existing = await uow.deductions.get(cmd.plan_id, cmd.id)
            if existing is not None:
                if existing.facts() != (cmd.unit_id, cmd.kind, cmd.points, cmd.date, cmd.aspect):
                    raise Conflict(f"deduction {cmd.id!r} already exists with other facts")
                return existing, False
        d = await _new_deduction(uow, settings, actor, unit_id=cmd.unit_id, kind=cmd.kind, points=cmd.points,
                                 day=cmd.date, aspect=cmd.aspect, note=cmd.note, source=SOURCE_MANUAL,
                                 deduction_id=cmd.id)
        await uow.commit()
    return d, True


async def revoke_deduction(uow: AbstractUnitOfWork, cmd: c.RevokeDeduction, actor: str) -> Deduction:
    """Revoke an active deduction (an office correction); revoking twice is refused and changes nothing."""
    if not cmd.reason.strip():
        raise _invalid("reason", "a reason is required")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        d = await uow.deductions.get(cmd.plan_id, cmd.deduction_id, lock=True)
        if d is None:
            raise RecordNotFound("deduction", cmd.plan_id, cmd.deduction_id)
        before = d.as_dict()
        await _emit_revoked(uow, d, cmd.reason.strip())
        await uow.deductions.save(d)
        await _audit(uow, actor, "deduction.revoked", "deduction", d.id, d.plan_id, before, d.as_dict())
        await uow.commit()
    return d


async def get_deduction(uow: AbstractUnitOfWork, plan_id: str, deduction_id: str) -> Deduction:
    async with uow:
        d = await uow.deductions.get(plan_id, deduction_id)
    if d is None:
        raise RecordNotFound("deduction", plan_id, deduction_id)
    return d


async def list_records(uow: AbstractUnitOfWork, repo: str, plan_id: str, f: ListFilter, *,
                       limit: int | None = None, offset: int = 0) -> tuple[list[Any], int]:
    """A page of deductions, vetoes, appeals, inspections, absences or leaves, and the number matching."""
    async with uow:
        records = getattr(uow, repo)
        return await records.list(plan_id, f, limit=limit, offset=offset), await records.count(plan_id, f)


@dataclass
class Ledger:
    settings: PlanSettings
    year: int
    lines: list[rules.LedgerLine]
    totals: list[rules.LedgerTotal]


async def ledger(uow: AbstractUnitOfWork, plan_id: str, f: ListFilter, year: int | None = None) -> Ledger:
    """The 察访检验台帐 of a year: lines with running totals per unit and kind, totals with the cap beside."""
    async with uow:
        settings = await _settings(uow, plan_id)
        year = year or settings.year
        first, last = rules.year_range(year)
        f = ListFilter(unit_id=f.unit_id, kind=f.kind, status=f.status, aspect=f.aspect,
                       date_from=max(f.date_from or first, first), date_to=min(f.date_to or last, last))
        deductions = await uow.deductions.list(plan_id, f)
    lines, totals = rules.ledger(deductions, settings)
    return Ledger(settings, year, lines, totals)


# --- vetoes ----------------------------------------------------------------------------------


async def issue_veto(uow: AbstractUnitOfWork, cmd: c.IssueVeto, actor: str) -> tuple[Veto, bool]:
    """Issue a one-vote veto against a unit; the category must be one the plan lists."""
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await _settings(uow, cmd.plan_id)
        if cmd.category not in settings.veto_categories:
            raise _invalid("category", f"category {cmd.category!r} is not one of the plan's veto categories "
                                       f"({', '.join(settings.veto_categories)})")
        await _check_unit(uow, cmd.plan_id, cmd.unit_id)
        if cmd.id:
            existing = await uow.vetoes.get(cmd.plan_id, cmd.id)
            if existing is not None:
                if existing.facts() != (cmd.unit_id, cmd.category, cmd.date, cmd.document):
                    raise Conflict(f"veto {cmd.id!r} already exists with other facts")
                return existing, False
        v = Veto(cmd.plan_id, cmd.id or new_id(), cmd.unit_id, cmd.category, cmd.date, cmd.document, cmd.note,
                 created_at=uow.clock())
        await _emit_issued(uow, v)
        await uow.vetoes.add(v)
        await _audit(uow, actor, "veto.issued", "veto", v.id, v.plan_id, None, v.as_dict())
        await uow.commit()
    return v, True


async def lift_veto(uow: AbstractUnitOfWork, cmd: c.LiftVeto, actor: str) -> Veto:
    """Lift a veto (a reason is required); lifting twice is refused and changes nothing."""
    if not cmd.reason.strip():
        raise _invalid("reason", "a reason is required to lift a veto")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        v = await uow.vetoes.get(cmd.plan_id, cmd.veto_id, lock=True)
        if v is None:
            raise RecordNotFound("veto", cmd.plan_id, cmd.veto_id)
        before = v.as_dict()
        await _emit_lifted(uow, v, cmd.reason.strip())
        await uow.vetoes.save(v)
        await _audit(uow, actor, "veto.lifted", "veto", v.id, v.plan_id, before, v.as_dict())
        await uow.commit()
    return v


async def get_veto(uow: AbstractUnitOfWork, plan_id: str, veto_id: str) -> Veto:
    async with uow:
        v = await uow.vetoes.get(plan_id, veto_id)
    if v is None:
        raise RecordNotFound("veto", plan_id, veto_id)
    return v


# --- appeals ---------------------------------------------------------------------------------


async def file_appeal(uow: AbstractUnitOfWork, cmd: c.FileAppeal, actor: str) -> tuple[Appeal, bool]:
    """A unit appeals a deduction within the plan's window (counted from the day it entered the ledger)."""
    if not cmd.reason.strip():
        raise _invalid("reason", "a reason is required")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await _settings(uow, cmd.plan_id)
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
        await _audit(uow, actor, "appeal.filed", "appeal", appeal.id, appeal.plan_id, None, appeal.as_dict())
        await uow.commit()
    return appeal, True


@dataclass
class Decision:
    appeal: Appeal
    changed: bool                      # False: the same decision was delivered again
    deduction_revoked: bool            # True when this delivery revoked the deduction


async def decide_appeal(uow: AbstractUnitOfWork, cmd: c.DecideAppeal, actor: str) -> Decision:
    """Decide an appeal. `revoke_deduction` grants it and revokes the deduction exactly once;
    the same decision delivered again changes nothing; a different one is refused (decisions are final)."""
    if cmd.decision not in DECISIONS:
        raise _invalid("decision", f"must be one of {', '.join(DECISIONS)}")
    if not cmd.reason.strip():
        raise _invalid("reason", "a reason is required")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        appeal = await uow.appeals.get(cmd.plan_id, cmd.appeal_id, lock=True)
        if appeal is None:
            raise RecordNotFound("appeal", cmd.plan_id, cmd.appeal_id)
        before = appeal.as_dict()
        if not appeal.decide(cmd.decision, cmd.reason.strip(), actor, uow.clock()):
            return Decision(appeal, False, False)
        await uow.appeals.save(appeal)
        await _audit(uow, actor, "appeal.decided", "appeal", appeal.id, appeal.plan_id, before, appeal.as_dict())
        revoked = False
        if cmd.decision == REVOKE_DEDUCTION:
            d = await uow.deductions.get(cmd.plan_id, appeal.deduction_id, lock=True)
            if d is not None and d.active:
                d_before = d.as_dict()
                await _emit_revoked(uow, d, f"appeal {appeal.id} granted: {appeal.decision_reason}")
                await uow.deductions.save(d)
                await _audit(uow, actor, "deduction.revoked", "deduction", d.id, d.plan_id, d_before, d.as_dict())
                revoked = True
        await uow.commit()
    return Decision(appeal, True, revoked)


async def get_appeal(uow: AbstractUnitOfWork, plan_id: str, appeal_id: str) -> Appeal:
    async with uow:
        a = await uow.appeals.get(plan_id, appeal_id)
    if a is None:
        raise RecordNotFound("appeal", plan_id, appeal_id)
    return a


# --- inspections and findings ----------------------------------------------------------------


def _finding(inspection_id: str, nf: c.NewFinding, path: str) -> Finding:
    if nf.aspect not in ASPECTS:
        raise _invalid(f"{path}.aspect", f"unknown aspect {nf.aspect!r} (one of {', '.join(ASPECTS)})")
    if not nf.description.strip():
        raise _invalid(f"{path}.description", "a description is required")
    if nf.proposed_points is not None:
        _check_points(nf.proposed_points, f"{path}.proposed_points")
    return Finding(nf.id or new_id(), inspection_id, nf.aspect, nf.description.strip(), nf.proposed_points)


async def create_inspection(uow: AbstractUnitOfWork, cmd: c.CreateInspection, actor: str) -> tuple[Inspection, bool]:
    """Record a visit with its findings in one request (the mobile entry form); a retried id returns it."""
    if cmd.mode not in MODES:
        raise _invalid("mode", f"must be one of {', '.join(MODES)}")
    inspectors = [i.strip() for i in cmd.inspectors if i.strip()]
    if not inspectors:
        raise _invalid("inspectors", "at least one inspector is required")
    inspection_id = cmd.id or new_id()
    findings = [_finding(inspection_id, nf, f"findings[{i}]") for i, nf in enumerate(cmd.findings)]
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        await _settings(uow, cmd.plan_id)
        await _check_unit(uow, cmd.plan_id, cmd.unit_id)
        if cmd.id:
            existing = await uow.inspections.get(cmd.plan_id, cmd.id)
            if existing is not None:
                return existing, False
        inspection = Inspection(cmd.plan_id, inspection_id, cmd.unit_id, cmd.mode, cmd.date, inspectors,
                                cmd.note, findings, created_by=actor, created_at=uow.clock())
        await uow.inspections.add(inspection)
        await _audit(uow, actor, "inspection.created", "inspection", inspection.id, cmd.plan_id, None,
                     inspection.as_dict())
        await uow.commit()
    return inspection, True


async def _inspection(uow: AbstractUnitOfWork, plan_id: str, inspection_id: str) -> Inspection:
    inspection = await uow.inspections.get(plan_id, inspection_id)
    if inspection is None:
        raise RecordNotFound("inspection", plan_id, inspection_id)
    return inspection


async def get_inspection(uow: AbstractUnitOfWork, plan_id: str, inspection_id: str) -> Inspection:
    async with uow:
        return await _inspection(uow, plan_id, inspection_id)


async def add_finding(uow: AbstractUnitOfWork, cmd: c.AddFinding, actor: str) -> Finding:
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        inspection = await _inspection(uow, cmd.plan_id, cmd.inspection_id)
        if cmd.finding.id and (old := inspection.finding(cmd.finding.id)) is not None:
            return old
        finding = _finding(inspection.id, cmd.finding, "finding")
        await uow.inspections.add_finding(cmd.plan_id, finding)
        await _audit(uow, actor, "finding.added", "finding", finding.id, cmd.plan_id, None, finding.as_dict())
        await uow.commit()
    return finding


async def confirm_finding(uow: AbstractUnitOfWork, cmd: c.ConfirmFinding, actor: str) -> tuple[Deduction, bool]:
    """Enter a finding's deduction (kind `inspection`) in the ledger, once; a second call returns it."""
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await _settings(uow, cmd.plan_id)
        inspection = await _inspection(uow, cmd.plan_id, cmd.inspection_id)
        finding = inspection.finding(cmd.finding_id)
        if finding is None:
            raise RecordNotFound("finding", cmd.plan_id, cmd.finding_id)
        if finding.deduction_id:
            d = await uow.deductions.get(cmd.plan_id, finding.deduction_id)
            assert d is not None
            return d, False
        points = cmd.points if cmd.points is not None else finding.proposed_points
        if points is None:
            raise _invalid("points", "the finding proposes no deduction; give points")
        _check_points(points)
        before = finding.as_dict()
        d = await _new_deduction(uow, settings, actor, unit_id=inspection.unit_id, kind=INSPECTION, points=points,
                                 day=inspection.date, aspect=finding.aspect, note=finding.description,
                                 source=SOURCE_FINDING, source_ref=f"{inspection.id}/{finding.id}")
        finding.deduction_id = d.id
        await uow.inspections.save_finding(cmd.plan_id, finding)
        await _audit(uow, actor, "finding.confirmed", "finding", finding.id, cmd.plan_id, before, finding.as_dict())
        await uow.commit()
    return d, True


async def attach_evidence(uow: AbstractUnitOfWork, cmd: c.AttachEvidence, actor: str) -> Evidence:
    """Store a file (photo, scan) with a finding; the same content twice is stored once."""
    if not cmd.content:
        raise _invalid("file", "the file is empty")
    if len(cmd.content) > MAX_EVIDENCE_BYTES:
        raise _invalid("file", f"the file is larger than {MAX_EVIDENCE_BYTES} bytes")
    digest = hashlib.sha256(cmd.content).hexdigest()
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        inspection = await _inspection(uow, cmd.plan_id, cmd.inspection_id)
        finding = inspection.finding(cmd.finding_id)
        if finding is None:
            raise RecordNotFound("finding", cmd.plan_id, cmd.finding_id)
        if (same := next((e for e in finding.evidence if e.sha256 == digest), None)) is not None:
            return same
        ev = Evidence(new_id(), finding.id, cmd.filename or "evidence", cmd.content_type or "application/octet-stream",
                      len(cmd.content), digest)
        await uow.evidence.add(cmd.plan_id, ev, cmd.content)
        await _audit(uow, actor, "evidence.attached", "finding", finding.id, cmd.plan_id, None,
                     {"evidence_id": ev.id, "filename": ev.filename, "size": ev.size, "sha256": ev.sha256})
        await uow.commit()
    return ev


async def get_evidence(uow: AbstractUnitOfWork, plan_id: str, evidence_id: str) -> tuple[Evidence, bytes]:
    async with uow:
        found = await uow.evidence.get(plan_id, evidence_id)
    if found is None:
        raise RecordNotFound("evidence", plan_id, evidence_id)
    return found


# --- discipline (机关效能) ---------------------------------------------------------------------


async def record_absence(uow: AbstractUnitOfWork, cmd: c.RecordAbsence, actor: str) -> tuple[Absence, bool]:
    """Record an absence; an unexcused one deducts the plan's points per absence (kind `discipline`)."""
    if cmd.activity not in ACTIVITIES:
        raise _invalid("activity", f"must be one of {', '.join(ACTIVITIES)}")
    if not cmd.person.strip():
        raise _invalid("person", "a person is required")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await _settings(uow, cmd.plan_id)
        await _check_unit(uow, cmd.plan_id, cmd.unit_id)
        if cmd.id and (old := await uow.absences.get(cmd.plan_id, cmd.id)) is not None:
            return old, False
        absence = Absence(cmd.plan_id, cmd.id or new_id(), cmd.unit_id, cmd.person.strip(), cmd.activity, cmd.date,
                          cmd.excused, cmd.note)
        if not cmd.excused:
            if DISCIPLINE not in settings.kinds:
                raise _invalid("kind", f"the plan has no deduction kind {DISCIPLINE!r}")
            d = await _new_deduction(uow, settings, actor, unit_id=cmd.unit_id, kind=DISCIPLINE,
                                     points=settings.discipline_points, day=cmd.date, aspect="",
                                     note=f"unexcused absence of {absence.person} ({ACTIVITIES[cmd.activity]})",
                                     source=SOURCE_DISCIPLINE, source_ref=absence.id)
            absence.deduction_id = d.id
        await uow.absences.add(absence)
        await _audit(uow, actor, "absence.recorded", "absence", absence.id, cmd.plan_id, None, absence.as_dict())
        await uow.commit()
    return absence, True


async def record_leave(uow: AbstractUnitOfWork, cmd: c.RecordLeave, actor: str) -> tuple[Leave, bool]:
    if cmd.end < cmd.start:
        raise _invalid("end", "the leave ends before it starts")
    if not cmd.person.strip():
        raise _invalid("person", "a person is required")
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        await _settings(uow, cmd.plan_id)
        await _check_unit(uow, cmd.plan_id, cmd.unit_id)
        if cmd.id and (old := await uow.leaves.get(cmd.plan_id, cmd.id)) is not None:
            return old, False
        leave = Leave(cmd.plan_id, cmd.id or new_id(), cmd.unit_id, cmd.person.strip(), cmd.start, cmd.end, cmd.note)
        await uow.leaves.add(leave)
        await _audit(uow, actor, "leave.recorded", "leave", leave.id, cmd.plan_id, None, leave.as_dict())
        await uow.commit()
    return leave, True


async def leave_eligibility(uow: AbstractUnitOfWork, plan_id: str, f: ListFilter,
                            year: int | None = None) -> tuple[int, list[rules.LeaveStatus]]:
    """Who is on leave how long in the year, and who is therefore not eligible for excellence."""
    async with uow:
        settings = await _settings(uow, plan_id)
        leaves = await uow.leaves.list(plan_id, ListFilter(unit_id=f.unit_id, person=f.person))
    year = year or settings.year
    return year, rules.leave_status(leaves, year)


# --- audit -----------------------------------------------------------------------------------


async def audit_log(uow: AbstractUnitOfWork, plan_id: str, f: ListFilter, *, limit: int, offset: int) -> list[AuditEntry]:
    async with uow:
        return await uow.audit.list(plan_id, f, limit=limit, offset=offset)


# --- bulk import -----------------------------------------------------------------------------


@dataclass
class ImportCounts:
    plan_id: str
    plan: str = "unchanged"                 # created | updated | unchanged
    units: dict = field(default_factory=lambda: {"received": 0, "changed": 0})
    deductions: dict = field(default_factory=lambda: {
        "received": 0, "created": 0, "updated": 0, "revoked": 0, "unchanged": 0,
        "already_revoked": 0, "kept_revoked": 0})
    vetoes: dict = field(default_factory=lambda: {"received": 0, "created": 0, "updated": 0, "unchanged": 0,
                                                  "kept_lifted": 0})
    events: int = 0
    notes: list[str] = field(default_factory=list)


IMPORT_REVOKE_REASON = "revoked: true in the imported bundle"


async def import_bundle(uow: AbstractUnitOfWork, doc: Any, actor: str) -> ImportCounts:
    """Import the deductions and vetoes of a bundle: validate everything first, then write, idempotent by id."""
    plan = doc.get("plan") if isinstance(doc, dict) else None
    plan_id = plan.get("id") if isinstance(plan, dict) and isinstance(plan.get("id"), str) else ""
    async with uow:
        if plan_id:
            await uow.lock_plan(plan_id)
        existing_settings = await uow.plans.get(plan_id) if plan_id else None
        known_units = await uow.units.ids(plan_id) if plan_id else set()
        batch = validate_import(doc, existing=existing_settings, known_units=known_units)
        plan_id = batch.settings.plan_id
        deductions = {d.id: d for d in await uow.deductions.list(plan_id)}
        vetoes = {v.id: v for v in await uow.vetoes.list(plan_id)}
        problems = [FieldProblem(f"$.deductions[id={r.id}].unit", f"deduction {r.id!r} belongs to unit "
                                 f"{deductions[r.id].unit_id!r}; a deduction cannot move to another unit")
                    for r in batch.deductions if r.id in deductions and deductions[r.id].unit_id != r.unit_id]
        problems += [FieldProblem(f"$.vetoes[id={r.id}].unit", f"veto {r.id!r} belongs to unit "
                                  f"{vetoes[r.id].unit_id!r}; a veto cannot move to another unit")
                     for r in batch.vetoes if r.id in vetoes and vetoes[r.id].unit_id != r.unit_id]
        if problems:
            raise InvalidInput(f"the import was rejected: {len(problems)} problem(s); nothing was written",
                               problems=problems)

        counts = ImportCounts(plan_id)
        if batch.duplicate_ids:
            counts.notes.append(f"ids given more than once (the last record stands): "
                                f"{', '.join(sorted(set(batch.duplicate_ids)))}")
        settings = batch.settings
        for r in batch.deductions:
            settings.kinds.setdefault(r.kind, None)
        if existing_settings is None or existing_settings.as_dict() != settings.as_dict():
            await uow.plans.save(settings)
            counts.plan = "created" if existing_settings is None else "updated"
            await _audit(uow, actor, "plan.imported", "plan", plan_id, plan_id,
                         existing_settings.as_dict() if existing_settings else None, settings.as_dict())
        counts.units = {"received": len(batch.units), "changed": await uow.units.upsert(batch.units)}

        n = counts.deductions
        for r in batch.deductions:
            n["received"] += 1
            d = deductions.get(r.id)
            if d is None:
                d = await _new_deduction(uow, settings, actor, unit_id=r.unit_id, kind=r.kind, points=r.points,
                                         day=r.date, aspect=r.aspect, note=r.note, source=SOURCE_IMPORT,
                                         deduction_id=r.id)
                counts.events += 1
                n["created"] += 1
                if r.revoked:
                    before = d.as_dict()
                    await _emit_revoked(uow, d, IMPORT_REVOKE_REASON)
                    await uow.deductions.save(d)
                    await _audit(uow, actor, "deduction.revoked", "deduction", d.id, plan_id, before, d.as_dict())
                    counts.events += 1
                    n["revoked"] += 1
                continue
            if not d.active:
                n["already_revoked" if r.revoked else "kept_revoked"] += 1
                if not r.revoked:
                    counts.notes.append(f"deduction {r.id!r} stays revoked ({d.revoke_reason})")
                continue
            before = d.as_dict()
            changed = d.facts() != (r.unit_id, r.kind, r.points, r.date, r.aspect)
            if changed:
                d.kind, d.points, d.date, d.aspect, d.note = r.kind, r.points, r.date, r.aspect, r.note
                await _emit_recorded(uow, d)
                counts.events += 1
                n["updated"] += 1
            if r.revoked:
                await _emit_revoked(uow, d, IMPORT_REVOKE_REASON)
                counts.events += 1
                n["revoked"] += 1
            if changed or r.revoked:
                await uow.deductions.save(d)
                await _audit(uow, actor, "deduction.imported", "deduction", d.id, plan_id, before, d.as_dict())
            else:
                n["unchanged"] += 1

        n = counts.vetoes
        for r in batch.vetoes:
            n["received"] += 1
            v = vetoes.get(r.id)
            if v is None:
                v = Veto(plan_id, r.id, r.unit_id, r.category, r.date, r.document, r.note, created_at=uow.clock())
                await _emit_issued(uow, v)
                await uow.vetoes.add(v)
                await _audit(uow, actor, "veto.issued", "veto", v.id, plan_id, None, v.as_dict())
                counts.events += 1
                n["created"] += 1
            elif not v.in_force:
                n["kept_lifted"] += 1
            elif v.facts() != (r.unit_id, r.category, r.date, r.document):
                before = v.as_dict()
                v.category, v.date, v.document, v.note = r.category, r.date, r.document, r.note
                await _emit_issued(uow, v)
                await uow.vetoes.save(v)
                await _audit(uow, actor, "veto.imported", "veto", v.id, plan_id, before, v.as_dict())
                counts.events += 1
                n["updated"] += 1
            else:
                n["unchanged"] += 1
        await uow.commit()
    return counts


# --- snapshot --------------------------------------------------------------------------------


async def snapshot(uow: AbstractUnitOfWork, plan_id: str, period: str = "") -> list[bytes]:
    """Every deduction (DeductionRecorded, + DeductionRevoked if revoked) and veto (VetoIssued, + VetoLifted)
    of the plan as the envelopes that were published, in recording order; `period` filters by date."""
    async with uow:
        settings = await uow.plans.get(plan_id)
        f = ListFilter()
        if period and settings is not None:
            start, end = rules.period_range(settings.year, period)
            f = ListFilter(date_from=start, date_to=end)
        elif period:
            rules.period_range(2000, period)  # still refuse an unknown period
        deductions = await uow.deductions.list(plan_id, f)
        vetoes = await uow.vetoes.list(plan_id, f)
    out: list[bytes] = []
    for d in deductions:
        out.append(d.recorded_envelope)
        if not d.active:
            out.append(d.revoked_envelope)
    for v in vetoes:
        out.append(v.issued_envelope)
        if not v.in_force:
            out.append(v.lifted_envelope)
    return out


async def position(uow: AbstractUnitOfWork, plan_id: str) -> int:
    async with uow:
        return await uow.position(plan_id)

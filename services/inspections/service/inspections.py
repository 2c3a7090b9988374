"""Use cases of inspections (明察暗访) and their findings: record, correct, confirm into the ledger, evidence.

An inspection is one aggregate with its findings: every change inside it is a new revision of the
inspection (its ETag), and of the finding that changed. Edits name the revision they were based on.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from services.inspections.domain import commands as c
from services.inspections.domain import rules
from services.inspections.domain.errors import RecordNotFound
from services.inspections.domain.model import (
    ASPECTS,
    INSPECTION,
    MODES,
    SOURCE_FINDING,
    Deduction,
    Evidence,
    Finding,
    Inspection,
)
from services.inspections.service.common import check_points, check_unit, invalid, load_settings, new_id, write_audit
from services.inspections.service.deductions import new_deduction
from services.inspections.service.unit_of_work import AbstractUnitOfWork

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def _check_finding(aspect: str, description: str, proposed_points: Decimal | None, path: str = "") -> None:
    at = f"{path}." if path else ""
    if aspect not in ASPECTS:
        raise invalid(f"{at}aspect", f"unknown aspect {aspect!r} (one of {', '.join(ASPECTS)})")
    if not description.strip():
        raise invalid(f"{at}description", "a description is required")
    if proposed_points is not None:
        check_points(proposed_points, f"{at}proposed_points")


def _finding(inspection_id: str, nf: c.NewFinding, path: str) -> Finding:
    _check_finding(nf.aspect, nf.description, nf.proposed_points, path)
    return Finding(nf.id or new_id(), inspection_id, nf.aspect, nf.description.strip(), nf.proposed_points)


def _check_visit(mode: str, inspectors: list[str]) -> list[str]:
    """The mode must be known and at least one inspector named; returns the inspectors' names trimmed."""
    if mode not in MODES:
        raise invalid("mode", f"must be one of {', '.join(MODES)}")
    names = [i.strip() for i in inspectors if i.strip()]
    if not names:
        raise invalid("inspectors", "at least one inspector is required")
    return names


async def create_inspection(uow: AbstractUnitOfWork, cmd: c.CreateInspection, actor: str) -> tuple[Inspection, bool]:
    """Record a visit with its findings in one request (the mobile entry form); a retried id returns it."""
    inspectors = _check_visit(cmd.mode, cmd.inspectors)
    inspection_id = cmd.id or new_id()
    findings = [_finding(inspection_id, nf, f"findings[{i}]") for i, nf in enumerate(cmd.findings)]
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        await load_settings(uow, cmd.plan_id)
        await check_unit(uow, cmd.plan_id, cmd.unit_id)
        if cmd.id:
            existing = await uow.inspections.get(cmd.plan_id, cmd.id)
            if existing is not None:
                return existing, False
        inspection = Inspection(
            cmd.plan_id,
            inspection_id,
            cmd.unit_id,
            cmd.mode,
            cmd.date,
            inspectors,
            cmd.note,
            findings,
            created_by=actor,
            created_at=uow.clock(),
        )
        await uow.inspections.add(inspection)
        await write_audit(
            uow, actor, "inspection.created", "inspection", inspection.id, cmd.plan_id, None, inspection.as_dict()
        )
        await uow.commit()
    return inspection, True


async def _inspection(uow: AbstractUnitOfWork, plan_id: str, inspection_id: str) -> Inspection:
    inspection = await uow.inspections.get(plan_id, inspection_id)
    if inspection is None:
        raise RecordNotFound("inspection", plan_id, inspection_id)
    return inspection


def _finding_of(inspection: Inspection, finding_id: str) -> Finding:
    finding = inspection.finding(finding_id)
    if finding is None:
        raise RecordNotFound("finding", inspection.plan_id, finding_id)
    return finding


async def get_inspection(uow: AbstractUnitOfWork, plan_id: str, inspection_id: str) -> Inspection:
    async with uow:
        return await _inspection(uow, plan_id, inspection_id)


async def get_finding(uow: AbstractUnitOfWork, plan_id: str, inspection_id: str, finding_id: str) -> Finding:
    async with uow:
        return _finding_of(await _inspection(uow, plan_id, inspection_id), finding_id)


async def edit_inspection(uow: AbstractUnitOfWork, cmd: c.EditInspection, actor: str) -> Inspection:
    """Correct a visit (unit, mode, date, inspectors, note) with a reason, against the revision read.

    Unchanged input changes nothing (no new revision, no audit row). Unit and date cannot change while
    a deduction its findings produced is active (rules.edit_inspection)."""
    inspectors = _check_visit(cmd.mode, cmd.inspectors)
    reason = rules.edit_reason(cmd.reason)
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        inspection = await _inspection(uow, cmd.plan_id, cmd.inspection_id)
        rules.check_revision(inspection.revision, cmd.expected_revision, f"inspection {inspection.id!r}")
        if cmd.unit_id != inspection.unit_id:
            await check_unit(uow, cmd.plan_id, cmd.unit_id)
        in_ledger = [
            d
            for f in inspection.findings
            if f.deduction_id and (d := await uow.deductions.get(cmd.plan_id, f.deduction_id)) is not None
        ]
        before = inspection.as_dict()
        wanted = {
            "unit_id": cmd.unit_id,
            "mode": cmd.mode,
            "date": cmd.date,
            "inspectors": inspectors,
            "note": cmd.note,
        }
        if not rules.edit_inspection(inspection, wanted, in_ledger):
            return inspection
        await uow.inspections.save(inspection)
        await write_audit(
            uow,
            actor,
            "inspection.edited",
            "inspection",
            inspection.id,
            cmd.plan_id,
            before,
            inspection.as_dict(),
            reason,
        )
        await uow.commit()
    return inspection


async def edit_finding(uow: AbstractUnitOfWork, cmd: c.EditFinding, actor: str) -> Finding:
    """Correct a finding (aspect, description, proposed points) with a reason, against the revision read.

    Unchanged input changes nothing. A confirmed finding keeps the aspect and points of its deduction
    (rules.edit_finding); its description can always be corrected."""
    _check_finding(cmd.aspect, cmd.description, cmd.proposed_points)
    reason = rules.edit_reason(cmd.reason)
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        inspection = await _inspection(uow, cmd.plan_id, cmd.inspection_id)
        finding = _finding_of(inspection, cmd.finding_id)
        rules.check_revision(finding.revision, cmd.expected_revision, f"finding {finding.id!r}")
        deduction = await uow.deductions.get(cmd.plan_id, finding.deduction_id) if finding.deduction_id else None
        before = finding.as_dict()
        wanted = {"aspect": cmd.aspect, "description": cmd.description.strip(), "proposed_points": cmd.proposed_points}
        if not rules.edit_finding(inspection, finding, wanted, deduction):
            return finding
        await uow.inspections.save_finding(cmd.plan_id, finding)
        await uow.inspections.save(inspection)
        await write_audit(
            uow, actor, "finding.edited", "finding", finding.id, cmd.plan_id, before, finding.as_dict(), reason
        )
        await uow.commit()
    return finding


async def add_finding(uow: AbstractUnitOfWork, cmd: c.AddFinding, actor: str) -> Finding:
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        inspection = await _inspection(uow, cmd.plan_id, cmd.inspection_id)
        if cmd.finding.id and (old := inspection.finding(cmd.finding.id)) is not None:
            return old
        finding = _finding(inspection.id, cmd.finding, "finding")
        await uow.inspections.add_finding(cmd.plan_id, finding)
        inspection.findings.append(finding)
        inspection.revise()
        await uow.inspections.save(inspection)
        await write_audit(uow, actor, "finding.added", "finding", finding.id, cmd.plan_id, None, finding.as_dict())
        await uow.commit()
    return finding


async def confirm_finding(uow: AbstractUnitOfWork, cmd: c.ConfirmFinding, actor: str) -> tuple[Deduction, bool]:
    """Enter a finding's deduction (kind `inspection`) in the ledger, once; a second call returns it."""
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        settings = await load_settings(uow, cmd.plan_id)
        inspection = await _inspection(uow, cmd.plan_id, cmd.inspection_id)
        finding = _finding_of(inspection, cmd.finding_id)
        if finding.deduction_id:
            d = await uow.deductions.get(cmd.plan_id, finding.deduction_id)
            assert d is not None
            return d, False
        points = cmd.points if cmd.points is not None else finding.proposed_points
        if points is None:
            raise invalid("points", "the finding proposes no deduction; give points")
        check_points(points)
        before = finding.as_dict()
        d = await new_deduction(
            uow,
            settings,
            actor,
            unit_id=inspection.unit_id,
            kind=INSPECTION,
            points=points,
            day=inspection.date,
            aspect=finding.aspect,
            note=finding.description,
            source=SOURCE_FINDING,
            source_ref=f"{inspection.id}/{finding.id}",
        )
        finding.deduction_id = d.id
        inspection.revise(finding)
        await uow.inspections.save_finding(cmd.plan_id, finding)
        await uow.inspections.save(inspection)
        await write_audit(
            uow, actor, "finding.confirmed", "finding", finding.id, cmd.plan_id, before, finding.as_dict()
        )
        await uow.commit()
    return d, True


async def attach_evidence(uow: AbstractUnitOfWork, cmd: c.AttachEvidence, actor: str) -> Evidence:
    """Store a file (photo, scan) with a finding; the same content twice is stored once."""
    if not cmd.content:
        raise invalid("file", "the file is empty")
    if len(cmd.content) > MAX_EVIDENCE_BYTES:
        raise invalid("file", f"the file is larger than {MAX_EVIDENCE_BYTES} bytes")
    digest = hashlib.sha256(cmd.content).hexdigest()
    async with uow:
        await uow.lock_plan(cmd.plan_id)
        inspection = await _inspection(uow, cmd.plan_id, cmd.inspection_id)
        finding = _finding_of(inspection, cmd.finding_id)
        if (same := next((e for e in finding.evidence if e.sha256 == digest), None)) is not None:
            return same
        ev = Evidence(
            new_id(),
            finding.id,
            cmd.filename or "evidence",
            cmd.content_type or "application/octet-stream",
            len(cmd.content),
            digest,
        )
        await uow.evidence.add(cmd.plan_id, ev, cmd.content)
        finding.evidence.append(ev)
        inspection.revise(finding)
        await uow.inspections.save_finding(cmd.plan_id, finding)
        await uow.inspections.save(inspection)
        await write_audit(
            uow,
            actor,
            "evidence.attached",
            "finding",
            finding.id,
            cmd.plan_id,
            None,
            {"evidence_id": ev.id, "filename": ev.filename, "size": ev.size, "sha256": ev.sha256},
        )
        await uow.commit()
    return ev


async def get_evidence(uow: AbstractUnitOfWork, plan_id: str, evidence_id: str) -> tuple[Evidence, bytes]:
    async with uow:
        found = await uow.evidence.get(plan_id, evidence_id)
    if found is None:
        raise RecordNotFound("evidence", plan_id, evidence_id)
    return found

"""Editing inspections and findings: the ledger rules, If-Match revisions and audit rows, on the fakes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jixiao.errors import InvalidInput, NotFound, PreconditionFailed, PreconditionRequired
from services.inspections.domain import commands as c
from services.inspections.domain import rules
from services.inspections.domain.errors import InLedger
from services.inspections.domain.model import Deduction, Finding, Inspection, Unit
from services.inspections.service import handlers as h

pytestmark = pytest.mark.unit
D = Decimal
DAY = date(2026, 5, 6)


# --- the pure rules ----------------------------------------------------------------------------


def visit(*findings: Finding) -> Inspection:
    return Inspection("p", "i1", "u1", "unannounced", DAY, ["张三"], "", list(findings))


def deduction(status: str = "active") -> Deduction:
    return Deduction("p", "d1", "u1", "inspection", D("0.5"), DAY, "efficiency", status=status)


def fields(i: Inspection, **changes) -> dict:
    wanted = {"unit_id": i.unit_id, "mode": i.mode, "date": i.date, "inspectors": list(i.inspectors), "note": i.note}
    return {**wanted, **changes}


def test_an_edit_needs_the_revision_it_was_based_on():
    with pytest.raises(PreconditionRequired):
        rules.check_revision(3, None, "inspection 'i1'")
    with pytest.raises(PreconditionFailed, match="now at revision 3, not 2"):
        rules.check_revision(3, 2, "inspection 'i1'")
    rules.check_revision(3, 3, "inspection 'i1'")


def test_an_edit_needs_a_reason():
    with pytest.raises(InvalidInput) as exc:
        rules.edit_reason("   ")
    assert exc.value.problems[0].path == "reason"
    assert rules.edit_reason(" typo in the date ") == "typo in the date"


def test_an_unchanged_inspection_is_not_a_new_revision():
    i = visit()
    assert rules.edit_inspection(i, fields(i), []) == []
    assert i.revision == 1
    assert rules.edit_inspection(i, fields(i, note="窗口无人", date=date(2026, 5, 7)), []) == ["date", "note"]
    assert (i.revision, i.date, i.note) == (2, date(2026, 5, 7), "窗口无人")


def test_unit_and_date_of_an_inspection_in_the_ledger_cannot_change():
    f = Finding("f1", "i1", "efficiency", "窗口无人", D("0.5"), deduction_id="d1")
    for change in ({"unit_id": "u2"}, {"date": date(2026, 5, 7)}):
        i = visit(f)
        with pytest.raises(InLedger, match=r"revoke it with a reason \(POST /v1/plans/p/deductions/d1/revoke\)"):
            rules.edit_inspection(i, fields(i, **change), [deduction()])
        assert (i.unit_id, i.date, i.revision) == ("u1", DAY, 1)
    i = visit(f)
    assert rules.edit_inspection(i, fields(i, mode="announced", inspectors=["李四"], note="n"), [deduction()]) == [
        "mode",
        "inspectors",
        "note",
    ]


def test_once_its_deduction_is_revoked_the_inspection_can_move():
    i = visit(Finding("f1", "i1", "efficiency", "窗口无人", D("0.5"), deduction_id="d1"))
    assert rules.edit_inspection(i, fields(i, unit_id="u2"), [deduction("revoked")]) == ["unit_id"]
    assert (i.unit_id, i.revision) == ("u2", 2)


def test_a_finding_in_the_ledger_keeps_its_aspect_and_points():
    for change in ({"proposed_points": D("1")}, {"aspect": "attitude"}, {"proposed_points": None}):
        f = Finding("f1", "i1", "efficiency", "窗口无人", D("0.5"), deduction_id="d1")
        i = visit(f)
        wanted = {"aspect": f.aspect, "description": f.description, "proposed_points": f.proposed_points, **change}
        with pytest.raises(InLedger, match="revoke it with a reason .* and record a new one"):
            rules.edit_finding(i, f, wanted, deduction())
        with pytest.raises(InLedger, match="revoked since"):
            rules.edit_finding(i, f, wanted, deduction("revoked"))
        assert (f.aspect, f.proposed_points, f.revision, i.revision) == ("efficiency", D("0.5"), 1, 1)


def test_a_description_can_always_be_corrected_and_both_revisions_move():
    f = Finding("f1", "i1", "efficiency", "窗口无任", D("0.5"), deduction_id="d1")
    i = visit(f)
    wanted = {"aspect": "efficiency", "description": "窗口无人", "proposed_points": D("0.5")}
    assert rules.edit_finding(i, f, wanted, deduction()) == ["description"]
    assert (f.description, f.revision, i.revision) == ("窗口无人", 2, 2)
    assert rules.edit_finding(i, f, wanted, deduction()) == []
    assert (f.revision, i.revision) == (2, 2)


def test_a_finding_not_yet_in_the_ledger_can_change_anything():
    f = Finding("f1", "i1", "efficiency", "窗口无人", D("0.5"))
    i = visit(f)
    assert rules.edit_finding(
        i, f, {"aspect": "attitude", "description": "态度生硬", "proposed_points": D("1")}, None
    ) == ["aspect", "description", "proposed_points"]
    assert (f.aspect, f.proposed_points, f.revision) == ("attitude", D("1"), 2)


# --- the use cases on the fakes ----------------------------------------------------------------


async def setup(uow, *findings: c.NewFinding) -> Inspection:
    await h.configure_plan(
        uow, c.ConfigurePlan("p", 2026, ["work_safety"], {"inspection": D("3")}, D("0.5"), 15), "office"
    )
    findings = findings or (c.NewFinding("efficiency", "窗口无任", D("0.5"), id="f1"),)
    insp, _ = await h.create_inspection(
        uow, c.CreateInspection("p", "u1", "unannounced", DAY, ["张三"], findings=list(findings), id="i1"), "张三"
    )
    return insp


def edit(revision, **changes) -> c.EditInspection:
    base = {
        "unit_id": "u1",
        "mode": "unannounced",
        "date": DAY,
        "inspectors": ["张三"],
        "note": "",
        "reason": "wrong date on the form",
    }
    return c.EditInspection("p", "i1", expected_revision=revision, **{**base, **changes})


def edit_f(revision, finding_id="f1", **changes) -> c.EditFinding:
    base = {"aspect": "efficiency", "description": "窗口无任", "proposed_points": D("0.5"), "reason": "typo"}
    return c.EditFinding("p", "i1", finding_id, expected_revision=revision, **{**base, **changes})


async def test_an_edit_is_a_new_revision_with_an_audit_row(uow):
    insp = await setup(uow)
    assert insp.revision == 1
    edited = await h.edit_inspection(uow, edit(1, date=date(2026, 5, 7), note="复查"), "office")
    assert (edited.revision, edited.date) == (2, date(2026, 5, 7))
    again = await h.get_inspection(uow, "p", "i1")
    assert (again.revision, again.date, again.note) == (2, date(2026, 5, 7), "复查")
    row = uow.state.audit[-1]
    assert (row.action, row.actor, row.entity_type, row.entity_id, row.reason) == (
        "inspection.edited",
        "office",
        "inspection",
        "i1",
        "wrong date on the form",
    )
    assert (row.before["date"], row.after["date"], row.before["revision"], row.after["revision"]) == (
        "2026-05-06",
        "2026-05-07",
        1,
        2,
    )
    assert uow.events == []  # inspections are not events; only the ledger is


async def test_a_missing_or_stale_if_match_changes_nothing(uow):
    await setup(uow)
    await h.edit_inspection(uow, edit(1, note="first"), "a")
    n_audit = len(uow.state.audit)
    with pytest.raises(PreconditionRequired):
        await h.edit_inspection(uow, edit(None, note="second"), "b")
    with pytest.raises(PreconditionFailed):
        await h.edit_inspection(uow, edit(1, note="second"), "b")  # b read revision 1; a is at 2
    with pytest.raises(PreconditionFailed):
        await h.edit_finding(uow, edit_f(2, description="x"), "b")  # the finding is still at 1
    got = await h.get_inspection(uow, "p", "i1")
    assert (got.note, got.revision, got.findings[0].description) == ("first", 2, "窗口无任")
    assert len(uow.state.audit) == n_audit


async def test_an_unchanged_edit_writes_nothing(uow):
    await setup(uow)
    n_audit, commits = len(uow.state.audit), uow.commits
    same = await h.edit_inspection(uow, edit(1), "office")
    assert same.revision == 1 and len(uow.state.audit) == n_audit and uow.commits == commits


async def test_edits_of_missing_records_are_not_found(uow):
    await setup(uow)
    with pytest.raises(NotFound, match="inspection 'nope'"):
        await h.edit_inspection(
            uow, c.EditInspection("p", "nope", "u1", "announced", DAY, ["张三"], "", "r", 1), "office"
        )
    with pytest.raises(NotFound, match="finding 'nope'"):
        await h.edit_finding(uow, edit_f(1, finding_id="nope"), "office")
    with pytest.raises(NotFound, match="finding 'nope'"):
        await h.get_finding(uow, "p", "i1", "nope")


async def test_edits_are_checked_like_new_records(uow):
    await setup(uow)
    uow.state.units[("p", "u1")] = Unit("p", "u1")  # the plan now knows its units
    with pytest.raises(InvalidInput, match="unknown unit 'zz'"):
        await h.edit_inspection(uow, edit(1, unit_id="zz"), "office")
    with pytest.raises(InvalidInput, match="inspectors"):
        await h.edit_inspection(uow, edit(1, inspectors=[" "]), "office")
    with pytest.raises(InvalidInput, match="reason"):
        await h.edit_finding(uow, edit_f(1, description="窗口无人", reason=""), "office")
    with pytest.raises(InvalidInput, match="proposed_points"):
        await h.edit_finding(uow, edit_f(1, proposed_points=D("-1")), "office")
    assert (await h.get_inspection(uow, "p", "i1")).revision == 1


async def test_a_finding_that_became_a_deduction_is_revoked_then_recorded_anew(uow):
    await setup(uow)
    d, _ = await h.confirm_finding(uow, c.ConfirmFinding("p", "i1", "f1"), "office")
    f = await h.get_finding(uow, "p", "i1", "f1")
    assert f.revision == 2 and f.deduction_id == d.id
    events = len(uow.events)
    with pytest.raises(InLedger, match=f"POST /v1/plans/p/deductions/{d.id}/revoke"):
        await h.edit_finding(uow, edit_f(2, proposed_points=D("1")), "office")
    with pytest.raises(InLedger, match="unit_id cannot change"):
        await h.edit_inspection(uow, edit(2, unit_id="u2"), "office")
    assert (await h.get_deduction(uow, "p", d.id)).points == D("0.5") and len(uow.events) == events

    fixed = await h.edit_finding(uow, edit_f(2, description="窗口无人"), "office")  # not a ledger fact
    assert (fixed.description, fixed.revision, fixed.deduction_id) == ("窗口无人", 3, d.id)
    assert len(uow.events) == events

    await h.revoke_deduction(uow, c.RevokeDeduction("p", d.id, "recorded against the wrong unit"), "office")
    insp = await h.get_inspection(uow, "p", "i1")
    moved = await h.edit_inspection(uow, edit(insp.revision, unit_id="u2"), "office")
    assert moved.unit_id == "u2"
    with pytest.raises(InLedger, match="revoked since"):
        await h.edit_finding(uow, edit_f(3, description="窗口无人", proposed_points=D("1")), "office")
    new = await h.add_finding(uow, c.AddFinding("p", "i1", c.NewFinding("efficiency", "窗口无人", D("0.5"))), "office")
    d2, _ = await h.confirm_finding(uow, c.ConfirmFinding("p", "i1", new.id), "office")
    assert (d2.unit_id, d2.points) == ("u2", D("0.5"))
    led = await h.ledger(uow, "p", h.ListFilter())
    assert [(t.unit_id, t.total) for t in led.totals] == [("u1", D("0")), ("u2", D("0.5"))]


async def test_every_change_inside_an_inspection_is_a_new_revision(uow):
    await setup(uow)
    new = await h.add_finding(uow, c.AddFinding("p", "i1", c.NewFinding("attitude", "态度生硬", id="f2")), "a")
    assert new.revision == 1 and (await h.get_inspection(uow, "p", "i1")).revision == 2
    await h.add_finding(uow, c.AddFinding("p", "i1", c.NewFinding("attitude", "态度生硬", id="f2")), "a")  # a retry
    await h.confirm_finding(uow, c.ConfirmFinding("p", "i1", "f2", D("1")), "a")
    await h.confirm_finding(uow, c.ConfirmFinding("p", "i1", "f2", D("1")), "a")  # a retry
    ev = await h.attach_evidence(uow, c.AttachEvidence("p", "i1", "f1", "a.jpg", "image/jpeg", b"\xff\xd8"), "a")
    await h.attach_evidence(uow, c.AttachEvidence("p", "i1", "f1", "b.jpg", "image/jpeg", b"\xff\xd8"), "a")
    got = await h.get_inspection(uow, "p", "i1")
    assert got.revision == 4
    assert [(f.id, f.revision, [e.id for e in f.evidence]) for f in got.findings] == [("f1", 2, [ev.id]), ("f2", 2, [])]
    edited = await h.edit_finding(uow, edit_f(2, description="窗口无人"), "a")
    assert [e.id for e in edited.evidence] == [ev.id]  # evidence stays
    assert (await h.get_inspection(uow, "p", "i1")).revision == 5

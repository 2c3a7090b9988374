"""Use cases against the in-memory unit of work: events, idempotency, audit, all-or-nothing import."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from jixiao.errors import Conflict, InvalidInput, NotFound
from jixiao.messaging.envelope import Envelope, payload_of
from jixiao.samples import BAILIAN_BUNDLE
from services.inspections.domain import commands as c
from services.inspections.domain.errors import (
    AlreadyRevoked,
    AppealAlreadyOpen,
    AppealDecided,
    AppealNotAllowed,
    AppealWindowClosed,
    PlanNotConfigured,
    VetoAlreadyLifted,
)
from services.inspections.service import handlers as h

pytestmark = pytest.mark.unit
D = Decimal
BUNDLE = BAILIAN_BUNDLE
CATEGORIES = [
    "family_planning",
    "public_order",
    "work_safety",
    "environment",
    "rural_medical",
    "rural_pension",
    "written_criticism",
]


async def configure(uow, plan_id="p", window=15, points="0.5"):
    await h.configure_plan(
        uow,
        c.ConfigurePlan(plan_id, 2026, CATEGORIES, {"inspection": D("3"), "discipline": None}, D(points), window),
        "office",
    )


def types(uow):
    return [e.type for e in uow.events]


async def deduct(uow, points="1", unit="u1", day="2026-06-01", **kw):
    d, _ = await h.record_deduction(
        uow, c.RecordDeduction("p", unit, "inspection", D(points), date.fromisoformat(day), **kw), "inspector"
    )
    return d


async def test_six_points_in_the_ledger_with_the_cap_three_beside(uow):
    await configure(uow)
    for p in ("1", "2", "3"):
        await deduct(uow, p)
    led = await h.ledger(uow, "p", h.ListFilter())
    [total] = led.totals
    assert (total.unit_id, total.total, total.cap) == ("u1", D("6"), D("3"))
    assert sorted(ln.running_total for ln in led.lines)[-1] == led.lines[-1].running_total == D("6")
    assert types(uow) == ["DeductionRecorded"] * 3
    first = payload_of(uow.events[0])
    assert (first.points, first.kind, first.version, first.date) == ("1", "inspection", 1, "2026-06-01")
    assert uow.events[0].unit_id == "u1" and uow.events[0].aggregate_version == 1


async def test_a_plan_must_be_configured_and_input_checked(uow):
    with pytest.raises(PlanNotConfigured):
        await deduct(uow)
    await configure(uow)
    with pytest.raises(InvalidInput):
        await deduct(uow, "0")
    with pytest.raises(InvalidInput):
        await h.record_deduction(uow, c.RecordDeduction("p", "u1", "bonus", D(1), date(2026, 1, 1)), "x")
    with pytest.raises(InvalidInput):
        await deduct(uow, aspect="charisma")
    assert uow.events == []


async def test_a_retried_client_id_records_once(uow):
    await configure(uow)
    await deduct(uow, "1", id="m-1")
    d, new = await h.record_deduction(
        uow, c.RecordDeduction("p", "u1", "inspection", D("1.0"), date(2026, 6, 1), id="m-1"), "x"
    )
    assert not new and types(uow) == ["DeductionRecorded"]
    with pytest.raises(Conflict):
        await deduct(uow, "2", id="m-1")


async def test_revoking_twice_changes_nothing(uow):
    await configure(uow)
    d = await deduct(uow)
    await h.revoke_deduction(uow, c.RevokeDeduction("p", d.id, "entered twice"), "office")
    with pytest.raises(AlreadyRevoked):
        await h.revoke_deduction(uow, c.RevokeDeduction("p", d.id, "again"), "office")
    with pytest.raises(NotFound):
        await h.revoke_deduction(uow, c.RevokeDeduction("p", "nope", "x"), "office")
    assert types(uow) == ["DeductionRecorded", "DeductionRevoked"]
    assert payload_of(uow.events[1]).version == 2


async def test_a_granted_appeal_revokes_exactly_once_even_if_delivered_twice(uow):
    await configure(uow)
    d = await deduct(uow, "2")
    appeal, _ = await h.file_appeal(uow, c.FileAppeal("p", d.id, "we fixed it before the visit"), "u1-head")
    with pytest.raises(AppealAlreadyOpen):
        await h.file_appeal(uow, c.FileAppeal("p", d.id, "again"), "u1-head")
    first = await h.decide_appeal(uow, c.DecideAppeal("p", appeal.id, "revoke_deduction", "evidence shows"), "reviewer")
    second = await h.decide_appeal(
        uow, c.DecideAppeal("p", appeal.id, "revoke_deduction", "evidence shows"), "reviewer"
    )
    assert (first.changed, first.deduction_revoked) == (True, True)
    assert (second.changed, second.deduction_revoked) == (False, False)
    assert first.appeal.status == "granted" and first.appeal.decided_by == "reviewer"
    # filing republishes the deduction under appeal; granting revokes it, naming the appeal
    assert types(uow) == ["DeductionRecorded", "DeductionRecorded", "DeductionRevoked"]
    filed, revoked = payload_of(uow.events[1]), payload_of(uow.events[2])
    assert (filed.appeal_id, filed.appeal_outcome, filed.points, filed.version) == (appeal.id, "open", "2", 2)
    assert (revoked.appeal_id, revoked.version) == (appeal.id, 3)
    assert (await h.get_deduction(uow, "p", d.id)).status == "revoked"
    with pytest.raises(AppealDecided):
        await h.decide_appeal(uow, c.DecideAppeal("p", appeal.id, "keep_deduction", "changed my mind"), "reviewer")
    with pytest.raises(AppealNotAllowed):
        await h.file_appeal(uow, c.FileAppeal("p", d.id, "once more"), "u1-head")
    actions = [(e.action, e.actor) for e in uow.state.audit if e.entity_id in (d.id, appeal.id)]
    assert actions == [
        ("deduction.recorded", "inspector"),
        ("appeal.filed", "u1-head"),
        ("appeal.decided", "reviewer"),
        ("deduction.revoked", "reviewer"),
    ]
    decided = next(e for e in uow.state.audit if e.action == "appeal.decided")
    assert decided.before["status"] == "open" and decided.after["status"] == "granted"


async def test_a_rejected_appeal_keeps_the_deduction_and_the_decision_is_final(uow):
    await configure(uow)
    d = await deduct(uow)
    appeal, _ = await h.file_appeal(uow, c.FileAppeal("p", d.id, "unfair"), "u1")
    result = await h.decide_appeal(uow, c.DecideAppeal("p", appeal.id, "keep_deduction", "confirmed on site"), "r")
    assert result.appeal.status == "rejected" and not result.deduction_revoked
    assert (await h.get_deduction(uow, "p", d.id)).active
    with pytest.raises(AppealDecided):
        await h.decide_appeal(uow, c.DecideAppeal("p", appeal.id, "revoke_deduction", "x"), "r")
    # the deduction stands; its appeal (open, then rejected) travels with it to scoring's explanation
    assert types(uow) == ["DeductionRecorded"] * 3
    assert [(payload_of(e).appeal_id, payload_of(e).appeal_outcome) for e in uow.events] == [
        ("", ""),
        (appeal.id, "open"),
        (appeal.id, "rejected"),
    ]


async def test_the_appeal_window_is_counted_from_the_day_of_recording(uow):
    await configure(uow, window=10)
    d = await deduct(uow)
    uow.now += timedelta(days=11)
    with pytest.raises(AppealWindowClosed):
        await h.file_appeal(uow, c.FileAppeal("p", d.id, "late"), "u1")
    uow.now -= timedelta(days=1)
    await h.file_appeal(uow, c.FileAppeal("p", d.id, "just in time"), "u1")


async def test_veto_issue_and_lift(uow):
    await configure(uow)
    v, _ = await h.issue_veto(
        uow, c.IssueVeto("p", "u1", "work_safety", date(2026, 8, 1), "白政发〔2026〕12号"), "office"
    )
    assert v.in_force
    with pytest.raises(InvalidInput):
        await h.lift_veto(uow, c.LiftVeto("p", v.id, "  "), "office")
    lifted = await h.lift_veto(uow, c.LiftVeto("p", v.id, "overturned by the county"), "office")
    assert not lifted.in_force
    with pytest.raises(VetoAlreadyLifted):
        await h.lift_veto(uow, c.LiftVeto("p", v.id, "again"), "office")
    with pytest.raises(InvalidInput):
        await h.issue_veto(uow, c.IssueVeto("p", "u1", "football", date(2026, 8, 1)), "office")
    assert types(uow) == ["VetoIssued", "VetoLifted"]
    issued, lift = (payload_of(e) for e in uow.events)
    assert (issued.category, issued.document, issued.version) == ("work_safety", "白政发〔2026〕12号", 1)
    assert (lift.reason, lift.version) == ("overturned by the county", 2)


async def test_inspection_findings_become_deductions_once(uow):
    await configure(uow)
    insp, _ = await h.create_inspection(
        uow,
        c.CreateInspection(
            "p",
            "u1",
            "unannounced",
            date(2026, 5, 6),
            ["张三", "李四"],
            findings=[
                c.NewFinding("work_style", "office empty at 9:30", D("0.5")),
                c.NewFinding("attitude", "rude to a visitor"),
            ],
        ),
        "张三",
    )
    assert [f.aspect for f in insp.findings] == ["work_style", "attitude"] and uow.events == []
    f1, f2 = insp.findings
    d, new = await h.confirm_finding(uow, c.ConfirmFinding("p", insp.id, f1.id), "office")
    again, new2 = await h.confirm_finding(uow, c.ConfirmFinding("p", insp.id, f1.id), "office")
    assert new and not new2 and again.id == d.id
    assert (d.kind, d.points, d.aspect, d.source, d.date) == (
        "inspection",
        D("0.5"),
        "work_style",
        "inspection_finding",
        date(2026, 5, 6),
    )
    with pytest.raises(InvalidInput):
        await h.confirm_finding(uow, c.ConfirmFinding("p", insp.id, f2.id), "office")
    await h.confirm_finding(uow, c.ConfirmFinding("p", insp.id, f2.id, D("1")), "office")
    assert types(uow) == ["DeductionRecorded", "DeductionRecorded"]
    assert [payload_of(e).inspection_id for e in uow.events] == [insp.id, insp.id]  # the score card names it
    reread = await h.get_inspection(uow, "p", insp.id)
    assert all(f.deduction_id for f in reread.findings)
    ev = await h.attach_evidence(
        uow, c.AttachEvidence("p", insp.id, f1.id, "photo.jpg", "image/jpeg", b"\xff\xd8x"), "张三"
    )
    same = await h.attach_evidence(
        uow, c.AttachEvidence("p", insp.id, f1.id, "copy.jpg", "image/jpeg", b"\xff\xd8x"), "张三"
    )
    assert same.id == ev.id
    assert (await h.get_evidence(uow, "p", ev.id))[1] == b"\xff\xd8x"


async def test_unexcused_absences_deduct_the_plan_points(uow):
    await configure(uow, points="1")
    a, _ = await h.record_absence(uow, c.RecordAbsence("p", "sec1", "王五", "study", date(2026, 4, 2)), "office")
    b, _ = await h.record_absence(
        uow, c.RecordAbsence("p", "sec1", "王五", "labour", date(2026, 4, 9), excused=True), "office"
    )
    assert a.deduction_id and not b.deduction_id
    d = await h.get_deduction(uow, "p", a.deduction_id)
    assert (d.kind, d.points, d.source, d.source_ref) == ("discipline", D("1"), "discipline_record", a.id)
    await h.record_leave(uow, c.RecordLeave("p", "sec1", "王五", date(2026, 3, 1), date(2026, 3, 16)), "office")
    year, statuses = await h.leave_eligibility(uow, "p", h.ListFilter())
    assert year == 2026 and [(s.person, s.eligible_for_excellence) for s in statuses] == [("王五", False)]


def bundle() -> dict:
    return json.loads(BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)


async def test_import_is_idempotent_and_revokes(uow):
    counts = await h.import_bundle(uow, bundle(), "importer")
    assert counts.plan == "created"
    assert counts.deductions["created"] == 39 and counts.deductions["revoked"] == 6
    assert counts.vetoes["created"] == 2 and counts.events == 39 + 6 + 2
    assert types(uow).count("DeductionRevoked") == 6 and types(uow).count("VetoIssued") == 2
    again = await h.import_bundle(uow, bundle(), "importer")
    assert again.events == 0 and again.plan == "unchanged"
    assert again.deductions["unchanged"] == 33 and again.deductions["already_revoked"] == 6
    assert len(uow.events) == 47
    # a later bundle revokes d1 and corrects d2
    doc = bundle()
    doc["deductions"][0]["revoked"] = True
    doc["deductions"][1]["points"] = D("2.5")
    third = await h.import_bundle(uow, doc, "importer")
    assert third.deductions["revoked"] == 1 and third.deductions["updated"] == 1 and third.events == 2
    d2 = await h.get_deduction(uow, "bailian-2026", "d2")
    assert d2.points == D("2.5") and d2.version == 2
    assert payload_of(uow.events[-1]).points == "2.5" and uow.events[-1].aggregate_version == 2


async def test_an_invalid_import_writes_nothing(uow):
    doc = bundle()
    doc["deductions"][5]["points"] = D("-1")
    with pytest.raises(InvalidInput) as err:
        await h.import_bundle(uow, doc, "importer")
    assert [p.path for p in err.value.problems] == ["$.deductions[5].points"]
    assert uow.events == [] and uow.state.plans == {} and uow.state.deductions == {} and uow.state.audit == []
    await h.import_bundle(uow, bundle(), "importer")
    moved = bundle()
    moved["deductions"][0]["unit"] = "v02"
    with pytest.raises(InvalidInput):
        await h.import_bundle(uow, moved, "importer")
    assert len(uow.events) == 47


async def test_snapshot_replays_the_published_envelopes(uow):
    await configure(uow)
    d1 = await deduct(uow, "1", day="2026-02-01")
    d2 = await deduct(uow, "2", day="2026-08-01")
    await h.revoke_deduction(uow, c.RevokeDeduction("p", d1.id, "wrong unit"), "office")
    v, _ = await h.issue_veto(uow, c.IssueVeto("p", "u1", "environment", date(2026, 9, 1)), "office")
    await h.lift_veto(uow, c.LiftVeto("p", v.id, "rectified"), "office")
    snap = [Envelope.FromString(b) for b in await h.snapshot(uow, "p")]
    assert [(e.type, e.aggregate_id, e.aggregate_version) for e in snap] == [
        ("DeductionRecorded", d1.id, 1),
        ("DeductionRevoked", d1.id, 2),
        ("DeductionRecorded", d2.id, 1),
        ("VetoIssued", v.id, 1),
        ("VetoLifted", v.id, 2),
    ]
    published = {e.event_id for e in uow.events}
    assert {e.event_id for e in snap} == published
    h1 = [Envelope.FromString(b).aggregate_id for b in await h.snapshot(uow, "p", "H1")]
    assert h1 == [d1.id, d1.id]
    assert await h.position(uow, "p") == 5

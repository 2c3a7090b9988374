"""A discipline deduction may name the person (staff id) it is about: checked against the register,
carried by DeductionRecorded.person (scoring counts it towards the person's deduction threshold)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from jixiao.errors import Conflict, InvalidInput
from jixiao.messaging.envelope import payload_of
from jixiao.samples import BAILIAN_BUNDLE
from services.inspections.domain import commands as c
from services.inspections.service import handlers as h

pytestmark = pytest.mark.unit
PLAN = "bailian-2026"
STAFF = [
    {"id": "s1", "name": "朱建军", "unit": "v01", "roles": ["deputy_leader"]},
    {"id": "s2", "name": "武清萍", "unit": "v02"},
]


def bundle(deductions=()) -> dict:
    doc = json.loads(BAILIAN_BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)
    doc["staff"] = [dict(s) for s in STAFF]
    doc["deductions"] = [*doc.get("deductions", []), *deductions]
    return doc


def record(unit="v02", kind="discipline", person="s2", **kw):
    return c.RecordDeduction(PLAN, unit, kind, Decimal("1"), date(2026, 6, 1), person=person, **kw)


def recorded(uow) -> list:
    return [payload_of(e) for e in uow.events if e.type == "DeductionRecorded"]


async def test_a_discipline_deduction_names_a_registered_person_of_the_unit(uow):
    await h.import_bundle(uow, bundle(), "importer")
    before = len(recorded(uow))
    d, new = await h.record_deduction(uow, record(id="pd-1"), "office")
    assert new and d.person == "s2" and d.as_dict()["person"] == "s2"
    event = recorded(uow)[-1]
    assert (event.deduction_id, event.kind, event.person) == ("pd-1", "discipline", "s2")
    assert len(recorded(uow)) == before + 1
    again, new = await h.record_deduction(uow, record(id="pd-1"), "office")  # a retry: nothing new
    assert not new and again.person == "s2"
    with pytest.raises(Conflict):
        await h.record_deduction(uow, record(id="pd-1", person=""), "office")  # same id, other person
    unit_own, _ = await h.record_deduction(uow, record(person=""), "office")
    assert unit_own.person == "" and recorded(uow)[-1].person == ""


@pytest.mark.parametrize(
    ("cmd", "why"),
    [
        (record(kind="inspection"), "only a 'discipline' deduction"),
        (record(person="s9"), "no member of staff 's9'"),
        (record(person="s1"), "belongs to unit 'v01'"),
    ],
)
async def test_a_person_of_another_kind_unit_or_nobody_is_refused_naming_the_field(uow, cmd, why):
    await h.import_bundle(uow, bundle(), "importer")
    before = len(uow.events)
    with pytest.raises(InvalidInput) as exc:
        await h.record_deduction(uow, cmd, "office")
    assert [p.path for p in exc.value.problems] == ["person"] and why in exc.value.problems[0].message
    assert len(uow.events) == before


async def test_the_bundle_s_deductions_may_name_a_person_and_a_bad_one_rejects_the_import(uow):
    good = {"id": "bd-1", "unit": "v02", "kind": "discipline", "points": 1, "date": "2026-05-01", "person": "s2"}
    await h.import_bundle(uow, bundle([good]), "importer")
    assert [p.person for p in recorded(uow) if p.deduction_id == "bd-1"] == ["s2"]
    moved = {**good, "person": "s1"}
    with pytest.raises(InvalidInput) as exc:
        await h.import_bundle(uow, bundle([moved, {**good, "id": "bd-2", "kind": "inspection"}]), "importer")
    messages = [p.message for p in exc.value.problems if p.path.endswith(".person")]
    assert len(messages) == 2 and "belongs to unit 'v01'" in messages[0] and "only a 'discipline'" in messages[1]

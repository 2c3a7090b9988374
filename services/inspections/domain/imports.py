"""Validate the inspections part of a bundle (`POST /v1/import`) completely before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from jixiao.rules.fields import Problems, Reader
from jixiao.rules.people import LEAVE_TYPES

from .errors import FieldProblem, InvalidInput
from .model import ACTIVITIES, DEFAULT_KINDS, DISCIPLINE, PlanSettings, Unit
from .staff import StaffMember, read_staff_record


@dataclass
class DeductionRecord:
    id: str
    unit_id: str
    kind: str
    points: Decimal
    date: date
    aspect: str
    note: str
    revoked: bool
    person: str = ""  # a discipline deduction of one person: their staff id


@dataclass
class VetoRecord:
    id: str
    unit_id: str
    category: str
    date: date
    document: str
    note: str


@dataclass
class LeaveRecord:
    id: str
    unit_id: str
    person_id: str
    type: str
    start: date
    end: date
    note: str


@dataclass
class AbsenceRecord:
    id: str
    unit_id: str
    person_id: str
    activity: str
    date: date
    excused: bool
    note: str


@dataclass
class ImportBatch:
    """A validated import: the plan settings, units, and the last record of each deduction and veto id."""

    settings: PlanSettings
    units: list[Unit]
    deductions: list[DeductionRecord] = field(default_factory=list)
    vetoes: list[VetoRecord] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    staff: list[StaffMember] = field(default_factory=list)
    leaves: list[LeaveRecord] = field(default_factory=list)
    absences: list[AbsenceRecord] = field(default_factory=list)


def _settings(root: Reader, existing: PlanSettings | None, problems: Problems) -> PlanSettings | None:
    """What inspections takes from the plan: its id and year, veto categories, deduction kinds and caps."""
    doc = root.dict("plan")
    if doc is None:
        return None
    plan = Reader(doc, "$.plan", problems)
    plan_id = plan.str("id", strip=True)
    year = plan.int("year")
    if year is not None and not 1900 <= year <= 9999:
        plan.fail("year", f"must be a year between 1900 and 9999, not {year}")
    veto = Reader(plan.obj.get("veto") or {}, "$.plan.veto", problems)
    categories = veto.str_list("categories", required=False) or []
    kinds: dict[str, Decimal | None] = dict(existing.kinds) if existing else dict(DEFAULT_KINDS)
    for i, raw in enumerate(plan.list("components", required=False) or []):
        comp = Reader(raw, f"$.plan.components[{i}]", problems)
        comp_kinds = comp.str_list("kinds", required=False) or []
        cap = comp.decimal("cap", required=False, low=Decimal(0)) if comp.obj.get("type") == "penalty" else None
        for kind in comp_kinds:
            kinds[kind] = cap if cap is not None else kinds.get(kind)
    if problems or not plan_id or year is None:
        return None
    defaults = existing or PlanSettings(plan_id, year)
    return PlanSettings(
        plan_id=plan_id,
        year=year,
        veto_categories=list(categories),
        kinds=kinds,
        discipline_points=defaults.discipline_points,
        appeal_window_days=defaults.appeal_window_days,
    )


def _records(root: Reader, key: str) -> list[Reader]:
    """One Reader per record of a top-level list (a missing list is empty)."""
    return [Reader(raw, f"$.{key}[{i}]", root.problems) for i, raw in enumerate(root.list(key, required=False) or [])]


def _unit_of(rec: Reader, unit_ids: set[str]) -> str:
    unit = rec.str("unit", strip=True) or ""
    if unit and unit not in unit_ids:
        rec.fail("unit", f"unknown unit {unit!r}")
    return unit


def _deductions(
    root: Reader, unit_ids: set[str], duplicates: list[str], staff_units: dict[str, str]
) -> list[DeductionRecord]:
    deductions: dict[str, DeductionRecord] = {}
    for rec in _records(root, "deductions"):
        if not rec.is_obj:
            continue
        did, unit = rec.str("id", strip=True), _unit_of(rec, unit_ids)
        kind = rec.str("kind", strip=True) or ""
        points, day = rec.decimal("points", positive=True), rec.date("date")
        revoked = rec.bool("revoked", required=False)
        aspect, note = rec.text("aspect"), rec.text("note")
        person = rec.str("person", required=False, strip=True) or ""
        if person and kind != DISCIPLINE:
            rec.fail("person", f"only a {DISCIPLINE!r} deduction may name a person, not a {kind!r} one")
        elif person and person not in staff_units:
            rec.fail("person", f"no member of staff {person!r} in the register")
        elif person and unit and staff_units[person] != unit:
            rec.fail("person", f"member of staff {person!r} belongs to unit {staff_units[person]!r}, not {unit!r}")
        if did and points is not None and day is not None:
            if did in deductions:
                duplicates.append(did)
            deductions.pop(did, None)  # when one input holds several records with one id, the last one stands
            deductions[did] = DeductionRecord(did, unit, kind, points, day, aspect, note, revoked is True, person)
    return list(deductions.values())


def _vetoes(root: Reader, unit_ids: set[str], settings: PlanSettings | None, duplicates: list[str]) -> list[VetoRecord]:
    vetoes: dict[str, VetoRecord] = {}
    categories = set(settings.veto_categories) if settings else set()
    for rec in _records(root, "vetoes"):
        if not rec.is_obj:
            continue
        vid, unit = rec.str("id", strip=True), _unit_of(rec, unit_ids)
        category = rec.str("category", strip=True) or ""
        if category and settings and category not in categories:
            rec.fail("category", f"category {category!r} is not in the plan's veto.categories")
        day = rec.date("date")
        document, note = rec.text("document"), rec.text("note")
        if vid and day is not None:
            if vid in vetoes:
                duplicates.append(vid)
            vetoes.pop(vid, None)
            vetoes[vid] = VetoRecord(vid, unit, category, day, document, note)
    return list(vetoes.values())


def validate_import(
    doc: Any,
    *,
    existing: PlanSettings | None = None,
    known_units: set[str] = frozenset(),
    known_staff: dict[str, str] | None = None,
) -> ImportBatch:
    """Check every record; raise InvalidInput listing every problem, else return what to write.

    `existing` are the stored settings of the plan (their discipline points and appeal window are
    kept), `known_units` the units already stored for it.
    """
    problems = Problems()
    root = Reader(doc, "$", problems, "a JSON object")
    if not root.is_obj:
        raise InvalidInput("the import must be a JSON object", problems=_field_problems(problems))
    settings = _settings(root, existing, problems)
    plan_id = settings.plan_id if settings else ""
    units: list[Unit] = []
    for rec in _records(root, "units"):
        uid = rec.str("id", strip=True) if rec.is_obj else None
        if uid:
            units.append(Unit(plan_id, uid, rec.text("name"), rec.text("kind")))
    unit_ids = set(known_units) | {u.id for u in units}
    duplicates: list[str] = []
    staff = _staff(root, plan_id, unit_ids)
    staff_units = {**(known_staff or {}), **{m.id: m.unit_id for m in staff}}
    deductions = _deductions(root, unit_ids, duplicates, staff_units)
    vetoes = _vetoes(root, unit_ids, settings, duplicates)
    leaves = _leaves(root, staff_units)
    absences = _absences(root, staff_units)
    if problems or settings is None:
        raise InvalidInput(
            f"the import was rejected: {len(problems)} problem(s); nothing was written",
            problems=_field_problems(problems),
        )
    return ImportBatch(settings, units, deductions, vetoes, duplicates, staff, leaves, absences)


def _person_of(rec: Reader, staff_units: dict[str, str]) -> tuple[str, str]:
    """(staff id, unit) of a leave or absence: the person must be in the register, the unit theirs."""
    person, unit = rec.str("person", strip=True) or "", rec.str("unit", strip=True) or ""
    if person and person not in staff_units:
        rec.fail("person", f"unknown member of staff {person!r} (register them in staff[] first)")
    elif person and unit and staff_units[person] != unit:
        rec.fail("unit", f"member of staff {person!r} belongs to unit {staff_units[person]!r}")
    return person, unit


def _leaves(root: Reader, staff_units: dict[str, str]) -> list[LeaveRecord]:
    """`leaves[]`: typed leave of registered people ({id, unit, person: staff id, type, start, end})."""
    out: dict[str, LeaveRecord] = {}
    for rec in _records(root, "leaves"):
        lid = rec.str("id", strip=True, max_len=100)
        person, unit = _person_of(rec, staff_units)
        kind = rec.str("type", strip=True) or ""
        if kind and kind not in LEAVE_TYPES:
            rec.fail("type", f"unknown leave type {kind!r}; known: {', '.join(LEAVE_TYPES)}")
        start, end = rec.date("start"), rec.date("end")
        if start and end and end < start:
            rec.fail("end", "the leave ends before it starts")
        if lid and start and end and rec.ok:
            out[lid] = LeaveRecord(lid, unit, person, kind, start, end, rec.text("note"))
    return list(out.values())


def _absences(root: Reader, staff_units: dict[str, str]) -> list[AbsenceRecord]:
    """`absences[]`: absences of registered people ({id, unit, person: staff id, activity, date, excused})."""
    out: dict[str, AbsenceRecord] = {}
    for rec in _records(root, "absences"):
        aid = rec.str("id", strip=True, max_len=100)
        person, unit = _person_of(rec, staff_units)
        activity = rec.str("activity", strip=True) or ""
        if activity and activity not in ACTIVITIES:
            rec.fail("activity", f"must be one of {', '.join(ACTIVITIES)}")
        day = rec.date("date")
        excused = rec.bool("excused", required=False) is True
        if aid and day and rec.ok:
            out[aid] = AbsenceRecord(aid, unit, person, activity, day, excused, rec.text("note"))
    return list(out.values())


def _staff(root: Reader, plan_id: str, unit_ids: set[str]) -> list[StaffMember]:
    """The staff register (`staff[]`): each id once (a register lists a person once, unlike a ledger)."""
    staff: dict[str, StaffMember] = {}
    for rec in _records(root, "staff"):
        member = read_staff_record(rec, plan_id, unit_ids)
        if member is not None:
            if member.id in staff:
                rec.fail("id", f"staff id {member.id!r} is given more than once")
            staff[member.id] = member
    return list(staff.values())


def _field_problems(problems: Problems) -> list[FieldProblem]:
    return [FieldProblem(p.path, p.message) for p in problems.items]

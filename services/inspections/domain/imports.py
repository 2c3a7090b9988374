"""Validate the inspections part of a bundle (`POST /v1/import`) completely before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .errors import FieldProblem, InvalidInput
from .model import DEFAULT_KINDS, PlanSettings, Unit


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


@dataclass
class VetoRecord:
    id: str
    unit_id: str
    category: str
    date: date
    document: str
    note: str


@dataclass
class ImportBatch:
    """A validated import: the plan settings, units, and the last record of each deduction and veto id."""

    settings: PlanSettings
    units: list[Unit]
    deductions: list[DeductionRecord] = field(default_factory=list)
    vetoes: list[VetoRecord] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)


class _Problems(list):
    def add(self, path: str, message: str) -> None:
        self.append(FieldProblem(path, message))


def _text(obj: dict, key: str, path: str, problems: _Problems, *, required: bool = True) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.add(f"{path}.{key}", "a non-empty string is required" if required else "must be a string")
        return ""
    return value.strip()


def _decimal(value: Any, path: str, problems: _Problems) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        problems.add(path, "a number is required")
        return None
    try:
        number = Decimal(value) if not isinstance(value, Decimal) else value
    except ArithmeticError:
        problems.add(path, f"{value!r} is not a number")
        return None
    if not number.is_finite():
        problems.add(path, "must be a finite number")
        return None
    return number


def _date(obj: dict, key: str, path: str, problems: _Problems) -> date | None:
    value = obj.get(key)
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad_date()
    except ValueError:
        problems.add(f"{path}.{key}", f"an ISO date (YYYY-MM-DD) is required, got {value!r}")
        return None


def _bad_date() -> date:
    raise ValueError


def _list(doc: dict, key: str, problems: _Problems) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        problems.add(f"$.{key}", "must be a list")
        return []
    return value


def _settings(plan: Any, existing: PlanSettings | None, problems: _Problems) -> PlanSettings | None:
    if not isinstance(plan, dict):
        problems.add("$.plan", "a plan object is required")
        return None
    plan_id = _text(plan, "id", "$.plan", problems)
    year = plan.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
        problems.add("$.plan.year", "an integer year is required")
    veto = plan.get("veto") or {}
    categories = veto.get("categories", []) if isinstance(veto, dict) else None
    if not isinstance(categories, list) or not all(isinstance(c, str) and c for c in categories):
        problems.add("$.plan.veto.categories", "must be a list of category names")
        categories = []
    kinds: dict[str, Decimal | None] = dict(existing.kinds) if existing else dict(DEFAULT_KINDS)
    components = plan.get("components", [])
    if not isinstance(components, list):
        problems.add("$.plan.components", "must be a list")
        components = []
    for i, comp in enumerate(components):
        path = f"$.plan.components[{i}]"
        if not isinstance(comp, dict):
            problems.add(path, "must be an object")
            continue
        comp_kinds = comp.get("kinds") or []
        if not isinstance(comp_kinds, list) or not all(isinstance(k, str) and k for k in comp_kinds):
            problems.add(f"{path}.kinds", "must be a list of deduction kinds")
            continue
        cap = None
        if comp.get("type") == "penalty" and comp.get("cap") is not None:
            cap = _decimal(comp["cap"], f"{path}.cap", problems)
            if cap is not None and cap < 0:
                problems.add(f"{path}.cap", "must not be negative")
        for kind in comp_kinds:
            kinds[kind] = cap if cap is not None else kinds.get(kind)
    if problems or not plan_id:
        return None
    return PlanSettings(
        plan_id=plan_id, year=year, veto_categories=list(categories), kinds=kinds,
        discipline_points=existing.discipline_points if existing else PlanSettings(plan_id, year).discipline_points,
        appeal_window_days=existing.appeal_window_days if existing else PlanSettings(plan_id, year).appeal_window_days)


def validate_import(doc: Any, *, existing: PlanSettings | None = None,
                    known_units: set[str] = frozenset()) -> ImportBatch:
    """Check every record; raise InvalidInput listing every problem, else return what to write.

    `existing` are the stored settings of the plan (their discipline points and appeal window are
    kept), `known_units` the units already stored for it.
    """
    problems = _Problems()
    if not isinstance(doc, dict):
        raise InvalidInput("the import must be a JSON object", problems=[FieldProblem("$", "must be an object")])
    settings = _settings(doc.get("plan"), existing, problems)
    plan_id = settings.plan_id if settings else ""
    units: list[Unit] = []
    for i, raw in enumerate(_list(doc, "units", problems)):
        path = f"$.units[{i}]"
        if not isinstance(raw, dict):
            problems.add(path, "must be an object")
            continue
        uid = _text(raw, "id", path, problems)
        if uid:
            units.append(Unit(plan_id, uid, _text(raw, "name", path, problems, required=False),
                              _text(raw, "kind", path, problems, required=False)))
    unit_ids = set(known_units) | {u.id for u in units}

    deductions: dict[str, DeductionRecord] = {}
    duplicates: list[str] = []
    for i, raw in enumerate(_list(doc, "deductions", problems)):
        path = f"$.deductions[{i}]"
        if not isinstance(raw, dict):
            problems.add(path, "must be an object")
            continue
        did = _text(raw, "id", path, problems)
        unit = _text(raw, "unit", path, problems)
        if unit and unit not in unit_ids:
            problems.add(f"{path}.unit", f"unknown unit {unit!r}")
        kind = _text(raw, "kind", path, problems)
        points = _decimal(raw.get("points"), f"{path}.points", problems)
        if points is not None and points <= 0:
            problems.add(f"{path}.points", f"points must be > 0, got {points}")
        day = _date(raw, "date", path, problems)
        revoked = raw.get("revoked", False)
        if not isinstance(revoked, bool):
            problems.add(f"{path}.revoked", "must be true or false")
        aspect = _text(raw, "aspect", path, problems, required=False)
        note = _text(raw, "note", path, problems, required=False)
        if did and points is not None and day is not None:
            if did in deductions:
                duplicates.append(did)
            # when one input holds several records with one id, the last one stands
            deductions.pop(did, None)
            deductions[did] = DeductionRecord(did, unit, kind, points, day, aspect, note, revoked is True)

    vetoes: dict[str, VetoRecord] = {}
    categories = set(settings.veto_categories) if settings else set()
    for i, raw in enumerate(_list(doc, "vetoes", problems)):
        path = f"$.vetoes[{i}]"
        if not isinstance(raw, dict):
            problems.add(path, "must be an object")
            continue
        vid = _text(raw, "id", path, problems)
        unit = _text(raw, "unit", path, problems)
        if unit and unit not in unit_ids:
            problems.add(f"{path}.unit", f"unknown unit {unit!r}")
        category = _text(raw, "category", path, problems)
        if category and settings and category not in categories:
            problems.add(f"{path}.category", f"category {category!r} is not in the plan's veto.categories")
        day = _date(raw, "date", path, problems)
        document = _text(raw, "document", path, problems, required=False)
        note = _text(raw, "note", path, problems, required=False)
        if vid and day is not None:
            if vid in vetoes:
                duplicates.append(vid)
            vetoes.pop(vid, None)
            vetoes[vid] = VetoRecord(vid, unit, category, day, document, note)

    if problems or settings is None:
        raise InvalidInput(f"the import was rejected: {len(problems)} problem(s); nothing was written",
                           problems=list(problems))
    return ImportBatch(settings, units, list(deductions.values()), list(vetoes.values()), duplicates)

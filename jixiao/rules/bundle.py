"""Read a `jixiao.bundle/v1` document into a Plan, its units and each unit's facts.

Every record is validated against the plan; every invalid record is reported with its JSON path
and the bundle is refused as a whole (BundleError).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.rules import exactjson

from .decimals import ZERO, in_scoring_context
from .errors import BundleError, Problem
from .fields import Problems, Reader, describe
from .model import (
    BUDGET_EXECUTION,
    COMPOSITE,
    INPUT_FIELD,
    NO_ANSWER,
    Deduction,
    Indicator,
    Plan,
    Result,
    Revocation,
    RoundScore,
    SurveyResponse,
    Unit,
    UnitFacts,
    Veto,
)
from .periods import PERIODS, is_period
from .plan import read_plan
from .survey import MODES, RESPONSE_ID_MAX, check_external_score, check_response, stratum_weights

BUNDLE_FORMAT = "jixiao.bundle/v1"


@dataclass(frozen=True, slots=True)
class Bundle:
    """A validated bundle: the plan, its units (input order) and each unit's facts.

    `warnings` are accepted oddities worth reporting (a revocation of an unknown deduction).
    """

    plan: Plan
    units: tuple[Unit, ...]
    facts: Mapping[str, UnitFacts]
    warnings: tuple[Problem, ...] = ()


def load_bundle(text: str | bytes) -> Bundle:
    """Parse and validate bundle JSON text; raise BundleError listing every problem."""
    try:
        doc = exactjson.loads(text)
    except exactjson.InvalidJSON as exc:
        raise BundleError([Problem("$", str(exc))]) from None
    return parse_bundle(doc)


@in_scoring_context
def parse_bundle(doc: Any) -> Bundle:
    """Validate a bundle dict (numbers as Decimal or int); raise BundleError listing every problem."""
    problems = Problems()
    root = Reader(doc, "$", problems, "a bundle object")
    if not root.is_obj:
        raise BundleError(problems.items)
    fmt = root.obj.get("format")
    if fmt != BUNDLE_FORMAT:
        raise BundleError([Problem("$.format", f"must be {BUNDLE_FORMAT!r}, not {describe(fmt)}")])
    plan, broken = None, frozenset()
    plan_doc, indicators = root.dict("plan"), root.list("indicators")
    if plan_doc is not None and indicators is not None:
        plan, broken = read_plan(plan_doc, indicators, problems)
    units = _units(root, problems)
    if plan is None:
        raise BundleError(problems.items)
    reader = _Records(plan, broken, units, problems)
    reader.targets(_records(root, "targets"))
    reader.results(_records(root, "results"))
    reader.survey_strata(_records(root, "survey_strata"))
    reader.survey_responses(_records(root, "survey_responses"))
    reader.survey_external_scores(_records(root, "survey_external_scores"))
    reader.deductions(_records(root, "deductions"))
    reader.vetoes(_records(root, "vetoes"))
    if problems:
        raise BundleError(problems.items)
    return Bundle(plan, tuple(units.values()), reader.facts(), tuple(reader.warnings))


def _records(root: Reader, key: str) -> tuple[str, list]:
    return root.at(key), root.list(key, required=False) or []


def _units(root: Reader, problems: Problems) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for i, item in enumerate(root.list("units") or []):
        u = Reader(item, f"$.units[{i}]", problems, "a unit object")
        unit_id = u.str("id")
        name = u.str("name")
        kind = u.str("kind")
        group = u.str("group", required=False)
        parent = u.str("parent", required=False)
        if unit_id is not None and unit_id in units:
            u.fail("id", f"duplicate unit {unit_id!r}")
        if u.ok:
            units[unit_id] = Unit(unit_id, name, kind, group or kind, parent)
    return units


class _Records:
    """Validates the fact records of a bundle and gathers them per unit."""

    def __init__(self, plan: Plan, broken: frozenset[str], units: dict[str, Unit], problems: Problems) -> None:
        self.plan = plan
        self.broken = broken
        self.units = units
        self.problems = problems
        self.warnings: list[Problem] = []
        self._targets: dict[str, dict[str, Decimal]] = {}
        self._target_paths: dict[tuple[str, str], str] = {}
        self._results: dict[str, list[Result]] = {}
        self._strata: dict[str, dict[str, Decimal]] = {}
        self._strata_paths: dict[tuple[str, str], str] = {}
        self._responses: dict[str, list[SurveyResponse]] = {}
        self._external: dict[str, dict[str, RoundScore]] = {}  # unit → round → external score
        self._deductions: dict[str, list[Deduction | Revocation]] = {}  # by deduction id
        self._deduction_unit: dict[str, str] = {}  # the unit of each id's latest record
        self._vetoes: dict[str, list[Veto]] = {}

    # -- shared checks --------------------------------------------------------------------------

    def _unit(self, r: Reader, required: bool = True) -> Unit | None:
        unit_id = r.str("unit", required)
        if unit_id is None:
            return None
        unit = self.units.get(unit_id)
        if unit is None:
            r.fail("unit", f"unknown unit {unit_id!r}")
        return unit

    def _leaf(self, r: Reader, unit: Unit | None) -> Indicator | None:
        """The leaf a record names, checked to exist, be a leaf and apply to the unit."""
        ind_id = r.str("indicator")
        if ind_id is None or ind_id in self.broken:  # a broken node is already reported
            r.ok = False
            return None
        node = self.plan.indicators.get(ind_id)
        if node is None:
            r.fail("indicator", f"unknown indicator {ind_id!r}")
            return None
        if not node.is_leaf:
            r.fail("indicator", f"indicator {ind_id!r} is a group node, not a leaf")
            return None
        if unit is not None and not node.applies(unit.kind):
            r.fail("indicator", f"indicator {ind_id!r} does not apply to unit {unit.id!r} (kind {unit.kind!r})")
            return None
        return node

    def _weights_for(self, unit_id: str) -> Mapping[str, Decimal]:
        return stratum_weights(self.plan.survey, self._strata.get(unit_id, {}))

    # -- records --------------------------------------------------------------------------------

    def targets(self, records: tuple[str, list]) -> None:
        path, items = records
        for i, item in enumerate(items):
            r = Reader(item, f"{path}[{i}]", self.problems)
            unit = self._unit(r)
            leaf = self._leaf(r, unit)
            target = r.decimal("target")
            if not r.ok or unit is None or leaf is None:
                continue
            if leaf.method.needs_target and target <= 0:
                r.fail("target", f"target must be > 0 for the {leaf.method.type} method of {leaf.id!r}, not {target}")
                continue
            key = (unit.id, leaf.id)
            if key in self._target_paths:
                r.fail(
                    "indicator",
                    f"a second target for unit {unit.id!r} and indicator {leaf.id!r} (first at {self._target_paths[key]})",
                )
                continue
            self._target_paths[key] = r.path
            self._targets.setdefault(unit.id, {})[leaf.id] = target

    def results(self, records: tuple[str, list]) -> None:
        path, items = records
        for i, item in enumerate(items):
            r = Reader(item, f"{path}[{i}]", self.problems, "a result object")
            unit = self._unit(r)
            leaf = self._leaf(r, unit)
            period = r.str("period")
            if period is not None and not is_period(period):
                r.fail("period", f"must be one of {', '.join(PERIODS)}, not {describe(period)}")
            confirmed = r.bool("confirmed")
            if leaf is None or unit is None:
                continue
            method = leaf.method
            part = r.str("part", required=False)
            if method.type == COMPOSITE:
                keys = ", ".join(p.key for p in method.parts)
                if part is None:
                    if not r.has("part"):  # else already reported as malformed
                        r.fail("part", f"is required for composite indicator {leaf.id!r} (parts: {keys})")
                    continue
                part_def = method.part(part)
                if part_def is None:
                    r.fail("part", f"unknown part {part!r} of indicator {leaf.id!r} (parts: {keys})")
                    continue
                method = part_def.method
            elif part is not None:
                r.fail("part", f"unknown part {part!r}: indicator {leaf.id!r} has no parts")
                continue
            if method.computed:
                what = f"{leaf.id}#{part}" if part is not None else leaf.id
                r.fail(
                    "part" if part is not None else "indicator",
                    f"indicator {what!r} is scored by the {method.type} method from the results of {method.of!r}"
                    " this year and last year; its result is computed, never entered",
                )
                continue
            if method.type == BUDGET_EXECUTION:
                budget = r.decimal("budget", positive=True)
                spent = r.decimal("spent", low=ZERO)
                if r.ok:
                    self._results.setdefault(unit.id, []).append(
                        Result(leaf.id, period, confirmed, part, source=r.path, budget=budget, spent=spent)
                    )
                continue
            field = INPUT_FIELD[method.type]
            value = self._input(r, field, method, leaf, unit)
            if r.ok:
                self._results.setdefault(unit.id, []).append(
                    Result(leaf.id, period, confirmed, part, source=r.path, **{field: value})
                )

    def _input(self, r: Reader, field: str, method, leaf: Indicator, unit: Unit) -> Any:
        if field == "actual":
            value = r.decimal("actual")
            target = self._targets.get(unit.id, {}).get(leaf.id, leaf.target)
            if target is None:
                r.fail("indicator", f"no target for unit {unit.id!r} on indicator {leaf.id!r} ({method.type} method)")
            return value
        if field == "rating":
            value = r.str("rating")
            if value is not None and value not in method.ratings:
                known = ", ".join(method.ratings)
                r.fail("rating", f"unknown rating {value!r} for indicator {leaf.id!r} (known: {known})")
            return value
        if field == "done":
            return r.bool("done")
        value = r.decimal("points")
        if value is not None and not ZERO <= value <= leaf.max_points:
            r.fail(
                "points", f"manual points must be within [0, {leaf.max_points}] for indicator {leaf.id!r}, not {value}"
            )
        return value

    def survey_strata(self, records: tuple[str, list]) -> None:
        path, items = records
        if items and self.plan.survey is None:
            self.problems.add(path, "the plan has no survey")
            return
        for i, item in enumerate(items):
            r = Reader(item, f"{path}[{i}]", self.problems)
            unit = self._unit(r)
            stratum = r.str("stratum")
            weight = r.decimal("weight", positive=True)
            if not r.ok:
                continue
            key = (unit.id, stratum)
            if key in self._strata_paths:
                r.fail(
                    "stratum",
                    f"a second weight for unit {unit.id!r} and stratum {stratum!r} (first at {self._strata_paths[key]})",
                )
                continue
            self._strata_paths[key] = r.path
            self._strata.setdefault(unit.id, {})[stratum] = weight

    def survey_responses(self, records: tuple[str, list]) -> None:
        path, items = records
        survey = self.plan.survey
        if items and survey is None:
            self.problems.add(path, "the plan has no survey")
            return
        if not items:
            return
        rounds = {rnd.id for rnd in survey.rounds}
        answers_ok = frozenset(survey.answer_scores) | {NO_ANSWER}
        answers_or_null = answers_ok | {None}
        valid_patterns: set[tuple] = set()  # answer patterns repeat: check each one once
        units, strata, overrides = self.units, survey.strata, self._strata
        seen: set[str] = set()
        for i, item in enumerate(items):
            # fast path for a valid record; anything odd goes to the full check below
            try:
                rid, unit_id, rnd, stratum = item["id"], item["unit"], item["round"], item["stratum"]
                answers = item["answers"]
                valid = (
                    type(rid) is str
                    and 0 < len(rid) <= RESPONSE_ID_MAX
                    and unit_id in units
                    and rnd in rounds
                    and item["mode"] in MODES
                    and type(answers) is list
                    and (stratum in strata or stratum in overrides.get(unit_id, ()))
                )
                if valid:
                    answers = tuple(answers)
                    if answers not in valid_patterns:
                        valid = all(map(answers_or_null.__contains__, answers))
                        if valid:
                            valid_patterns.add(answers)
            except (KeyError, TypeError):
                valid = False
            if not valid:
                checked = self._check_response(item, f"{path}[{i}]", rounds, answers_ok)
                if checked is None:
                    continue
                rid, unit_id, rnd, stratum, answers = checked
            if rid in seen:  # a response id counts once: the first delivery
                continue
            seen.add(rid)
            self._responses.setdefault(unit_id, []).append(
                SurveyResponse(rid, rnd, stratum, tuple(answers), item["mode"])
            )

    def survey_external_scores(self, records: tuple[str, list]) -> None:
        """Survey scores the county office supplied from outside, one per (unit, round): used as given."""
        path, items = records
        survey = self.plan.survey
        if items and survey is None:
            self.problems.add(path, "the plan has no survey")
            return
        seen: dict[tuple[str, str], str] = {}
        for i, item in enumerate(items):
            at = f"{path}[{i}]"
            rs = check_external_score(
                item, at, self.problems, units=self.units, rounds={rnd.id for rnd in survey.rounds}
            )
            if rs is None:
                continue
            unit_id = item["unit"]
            if (unit_id, rs.round) in seen:
                self.problems.add(
                    f"{at}.round",
                    f"a second external score for unit {unit_id!r} and round {rs.round!r} (first at {seen[unit_id, rs.round]})",
                )
                continue
            seen[unit_id, rs.round] = at
            self._external.setdefault(unit_id, {})[rs.round] = rs

    def _check_response(self, item: Any, path: str, rounds: set[str], answers_ok: frozenset[str]) -> tuple | None:
        """The full check of a response, reporting each problem; its fields when it is valid."""
        checked = check_response(
            item,
            path,
            self.problems,
            units=self.units,
            rounds=rounds,
            weights_for=self._weights_for,
            answer_scores=self.plan.survey.answer_scores,
        )
        if checked is None:
            return None
        rid, unit_id, rnd, stratum, _mode, answers = checked
        return rid, unit_id, rnd, stratum, answers

    def deductions(self, records: tuple[str, list]) -> None:
        path, items = records
        for i, item in enumerate(items):
            r = Reader(item, f"{path}[{i}]", self.problems, "a deduction object")
            ded_id = r.str("id")
            revoked = r.bool("revoked")
            if revoked and not any(r.has(k) for k in ("kind", "points", "date")):
                self._revocation(r, ded_id)
                continue
            unit = self._unit(r)
            kind = r.str("kind")
            points = r.decimal("points", positive=True)
            day = r.date("date")
            aspect = r.str("aspect", required=False)
            note = r.str("note", required=False)
            if r.ok:
                self._deductions.setdefault(ded_id, []).append(
                    Deduction(ded_id, kind, points, day, revoked, aspect, note, source=r.path)
                )
                self._deduction_unit[ded_id] = unit.id

    def _revocation(self, r: Reader, ded_id: str | None) -> None:
        """A bare `{id, revoked: true}` record revokes an earlier deduction by id."""
        unit = self._unit(r, required=False)
        if not r.ok:
            return
        owner = self._deduction_unit.get(ded_id)
        if owner is None:
            self.warnings.append(Problem(r.path, f"revocation of unknown deduction {ded_id!r} changes nothing"))
            return
        if unit is not None and unit.id != owner:
            r.fail("unit", f"deduction {ded_id!r} belongs to unit {owner!r}, not {unit.id!r}")
            return
        self._deductions[ded_id].append(Revocation(ded_id, source=r.path))

    def vetoes(self, records: tuple[str, list]) -> None:
        path, items = records
        categories = self.plan.veto.categories
        for i, item in enumerate(items):
            r = Reader(item, f"{path}[{i}]", self.problems, "a veto object")
            veto_id = r.str("id")
            unit = self._unit(r)
            category = r.str("category")
            day = r.date("date")
            note = r.str("note", required=False)
            if category is not None and category not in categories:
                allowed = ", ".join(sorted(categories)) or "none"
                r.fail("category", f"veto category {category!r} is not in the plan's veto.categories ({allowed})")
            if r.ok:
                self._vetoes.setdefault(unit.id, []).append(Veto(veto_id, category, day, note))

    # -- assembly -------------------------------------------------------------------------------

    def facts(self) -> dict[str, UnitFacts]:
        """Each unit's facts; a deduction id belongs to the unit of its latest record."""
        deductions: dict[str, list[Deduction | Revocation]] = {}
        for ded_id, entries in self._deductions.items():
            deductions.setdefault(self._deduction_unit[ded_id], []).extend(entries)
        return {
            unit_id: UnitFacts(
                results=tuple(self._results.get(unit_id, ())),
                targets=self._targets.get(unit_id, {}),
                stratum_weights=self._strata.get(unit_id, {}),
                responses=tuple(self._responses.get(unit_id, ())),
                round_scores=self._external.get(unit_id, {}),
                deductions=tuple(deductions.get(unit_id, ())),
                vetoes=tuple(self._vetoes.get(unit_id, ())),
            )
            for unit_id in self.units
        }

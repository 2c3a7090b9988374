"""Use cases around Excel: the unit's data-entry template, its upload, exports of plans and results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from services.indicators.adapters import excel
from services.indicators.domain import rules, validation
from services.indicators.domain.errors import FieldProblem, InvalidInput
from services.indicators.domain.model import CONFIRMED, SUBMITTED, Plan, Result, ResultEntry, Target, Unit, result_id

from .common import load_plan, load_unit, require_open, utcnow
from .plans import indicator_nodes
from .unit_of_work import AbstractUnitOfWork

_FIELD_OF = {
    "ratio": "actual",
    "inverse_ratio": "actual",
    "bands": "actual",
    "rating": "rating",
    "boolean": "done",
    "manual": "points",
    "budget_execution": "budget/spent",  # one cell: 预算/支出, e.g. 1200/1080
}
BUDGET_CELL = "budget/spent"
_YES, _NO = {"是", "true", "yes", "1", "y", "√"}, {"否", "false", "no", "0", "n", "×"}


def template_rows(
    plan: Plan, unit: Unit, targets: list[Target], results: dict[tuple[str, str], Result]
) -> list[dict[str, Any]]:
    """One row per leaf that applies to the unit (a composite: one per part), with its target."""
    own = {t.indicator_id: t.target for t in targets}
    rows = []
    for leaf in indicator_nodes(plan, kind=unit.kind, leaves_only=True):
        method = leaf.get("method") or {}
        parts = method.get("parts") or [{"key": "", "method": method}]
        for part in parts:
            pm = part["method"]
            if pm.get("type") == "progress":  # computed from two years' results, never entered
                continue
            field = _FIELD_OF.get(pm.get("type"), "actual")
            current = results.get((leaf["id"], part["key"]))
            reported = _reported(current.reported or {}, field) if current else None
            rows.append(
                {
                    "indicator": leaf["id"],
                    "part": part["key"] or None,
                    "name": leaf.get("name"),
                    "method": pm.get("type"),
                    "max_points": leaf.get("max_points"),
                    "target": own.get(leaf["id"], leaf.get("target")) if field == "actual" else None,
                    "field": field,
                    "allowed": _allowed(pm, field, leaf),
                    "value": ("是" if reported else "否") if isinstance(reported, bool) else reported,
                    "comment": current.comment if current else None,
                }
            )
    return rows


def _reported(value: dict[str, Any], field: str) -> Any:
    if field == BUDGET_CELL:
        return f"{value['budget']}/{value['spent']}" if "budget" in value and "spent" in value else None
    return value.get(field)


def _allowed(method: dict[str, Any], field: str, leaf: dict[str, Any]) -> str | None:
    if field == BUDGET_CELL:
        return "预算/支出 budget/spent"
    if field == "rating":
        return "/".join(method.get("ratings") or {})
    if field == "done":
        return "是/否"
    if field == "points":
        return f"0–{leaf.get('max_points')}"
    return None


async def download_template(uow: AbstractUnitOfWork, plan_id: str, unit_id: str, period: str) -> bytes:
    rules.check_period(period)
    async with uow:
        plan = await load_plan(uow, plan_id)
        rules.require_published(plan)
        unit = await load_unit(uow, plan_id, unit_id)
        targets = await uow.targets.find(plan_id=plan_id, unit_id=unit_id)
        results = {
            (r.indicator_id, r.part): r for r in await uow.results.find(plan_id=plan_id, unit_id=unit_id, period=period)
        }
    meta = {
        "plan_id": plan.id,
        "plan_version": plan.version,
        "unit_id": unit.id,
        "unit_name": unit.name,
        "period": period,
    }
    return excel.build_template(meta, template_rows(plan, unit, targets, results))


def _value(field: str, raw: Any) -> dict[str, Any]:
    """A cell as the result's value; a budget_execution cell `budget/spent` gives both amounts."""
    if field != BUDGET_CELL:
        return {field: _convert(field, raw)}
    budget, sep, spent = str(raw).partition("/")
    if not sep:
        raise ValueError(f"must be budget/spent (预算/支出, e.g. 1200/1080), not {raw!r}")
    return {"budget": _convert("actual", budget), "spent": _convert("actual", spent)}


def _convert(field: str, raw: Any) -> Any:
    """A cell's value as the result field wants it; ValueError with a message when it cannot be."""
    if field in ("actual", "points"):
        if isinstance(raw, bool):
            raise ValueError("must be a number")
        try:  # number cells arrive as the Decimal written in the file (adapters/excel.number_texts), text as str
            value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValueError(f"must be a number, not {raw!r}") from None
        if not value.is_finite():
            raise ValueError("must be a finite number")
        return value
    if field == "done":
        text = str(raw).strip().lower()
        if text in _YES or raw is True:
            return True
        if text in _NO or raw is False:
            return False
        raise ValueError(f"must be 是 or 否, not {raw!r}")
    return str(raw).strip()


def _check_meta(meta: dict[str, Any], plan_id: str, unit_id: str, period: str) -> list[FieldProblem]:
    expected = {"plan_id": plan_id, "unit_id": unit_id, "period": period}
    return [
        FieldProblem(f"{excel.META_SHEET}!{key}", f"the template is for {key} {meta.get(key)!r}, not {value!r}")
        for key, value in expected.items()
        if str(meta.get(key)) != value
    ]


async def upload_template(
    uow: AbstractUnitOfWork,
    plan_id: str,
    unit_id: str,
    period: str,
    data: bytes,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Read a filled template; every bad cell is reported (sheet!cell) and nothing is stored unless all are good.

    Each filled value becomes the unit's self-assessed value and is submitted for review.
    """
    now = now or utcnow()
    rules.check_period(period)
    try:
        meta, rows = excel.read_template(data)
    except excel.NotAWorkbook as exc:
        raise InvalidInput(str(exc), problems=[FieldProblem("file", str(exc))]) from exc
    async with uow:
        plan = await load_plan(uow, plan_id)
        rules.require_published(plan)
        await require_open(uow, plan_id, period)
        unit = await load_unit(uow, plan_id, unit_id)
        targets = await uow.targets.find(plan_id=plan_id, unit_id=unit_id)
        stored = {
            (r.indicator_id, r.part): r for r in await uow.results.find(plan_id=plan_id, unit_id=unit_id, period=period)
        }
        problems = _check_meta(meta, plan_id, unit_id, period)
        entries = _entries(rows, plan, unit, targets, stored, period, problems)
        records = [
            {
                "unit": unit_id,
                "indicator": ind,
                "period": period,
                "confirmed": False,
                **({"part": part} if part else {}),
                **value,
            }
            for (_row, ind, part, value, _c) in entries
        ]
        problems += [_cell_problem(p, entries) for p in validation.fact_problems(plan, [unit], targets, records)]
        if problems:
            raise InvalidInput(f"{len(problems)} bad cell(s); nothing was stored", problems=problems)
        counts = await _store(uow, plan_id, unit_id, period, entries, stored, actor, now)
        await uow.commit()
    return counts


def _entries(
    rows: list[excel.EntryRow],
    plan: Plan,
    unit: Unit,
    targets: list[Target],
    stored: dict[tuple[str, str], Result],
    period: str,
    problems: list[FieldProblem],
) -> list[tuple]:
    """Converted (row, indicator, part, value, comment) of the filled rows; problems per bad cell."""
    expected = {(r["indicator"], r["part"] or ""): r["field"] for r in template_rows(plan, unit, targets, {})}
    seen: dict[tuple[str, str], int] = {}
    out = []
    for row in rows:
        key = (str(row.indicator or "").strip(), str(row.part or "").strip())
        where = lambda col: f"{excel.ENTRY_SHEET}!{excel.COL[col]}{row.row}"  # noqa: E731, B023  (used in this iteration)
        if key not in expected:
            problems.append(
                FieldProblem(
                    where("indicator"),
                    f"row {row.row}: {key[0]!r}{'#' + key[1] if key[1] else ''}"
                    " is not an indicator of this unit's template",
                )
            )
            continue
        if key in seen:
            problems.append(FieldProblem(where("indicator"), f"row {row.row}: repeats row {seen[key]}"))
            continue
        seen[key] = row.row
        if row.value is None or str(row.value).strip() == "":
            continue
        field = expected[key]
        try:
            value = _value(field, row.value)
        except ValueError as exc:
            problems.append(FieldProblem(where("value"), f"row {row.row}, column {excel.COL['value']}: {exc}"))
            continue
        current = stored.get(key)
        if current is not None and current.status == SUBMITTED and current.reported != value:
            problems.append(FieldProblem(where("value"), f"row {row.row}: already submitted and waiting for review"))
            continue
        out.append((row.row, key[0], key[1], value, row.comment))
    return out


def _cell_problem(p: FieldProblem, entries: list[tuple]) -> FieldProblem:
    """Map a scoring-rules problem at $.results[i].<field> back to the row's cell."""
    try:
        index = int(p.path.split("[", 1)[1].split("]", 1)[0])
        row = entries[index][0]
    except (IndexError, ValueError):
        return p
    col = (
        excel.COL["value"]
        if p.path.rsplit(".", 1)[-1] in ("actual", "rating", "done", "points", "budget", "spent")
        else excel.COL["indicator"]
    )
    return FieldProblem(f"{excel.ENTRY_SHEET}!{col}{row}", f"row {row}, column {col}: {p.message}")


async def _store(
    uow: AbstractUnitOfWork,
    plan_id: str,
    unit_id: str,
    period: str,
    entries: list[tuple],
    stored: dict[tuple[str, str], Result],
    actor: str | None,
    now: dt.datetime,
) -> dict[str, int]:
    counts = {"submitted": 0, "unchanged": 0}
    for _row, ind, part, value, comment in entries:
        result = stored.get((ind, part)) or Result(
            result_id(plan_id, unit_id, ind, part, period), plan_id, unit_id, ind, part, period, revision=0
        )
        unchanged = result.reported == value and result.status in (SUBMITTED, CONFIRMED)
        if unchanged:
            counts["unchanged"] += 1
            continue
        rules.enter(result, value, None if comment is None else str(comment), now)
        rules.submit(result, now)
        await uow.result_entries.save(ResultEntry(result.id, result.revision, "upload", now, value, actor, None))
        await uow.results.save(result)
        counts["submitted"] += 1
    return counts


async def export_plan(uow: AbstractUnitOfWork, plan_id: str) -> bytes:
    """The plan, its indicator tree, units and targets as a workbook."""
    async with uow:
        plan = await load_plan(uow, plan_id)
        units = await uow.units.find(plan_id=plan_id)
        targets = await uow.targets.find(plan_id=plan_id)
    body = plan.body
    sheets = {
        "方案": [
            ["字段", "值"],
            ["id", plan.id],
            ["name", plan.name],
            ["year", plan.year],
            ["issuing_body", body.get("issuing_body")],
            ["status", plan.status],
            ["version", plan.version],
        ],
        "组成": [["key", "type", "weight", "kinds", "cap"]]
        + [
            [c.get("key"), c.get("type"), c.get("weight"), ",".join(c.get("kinds") or []), c.get("cap")]
            for c in body.get("components") or []
        ],
        "等级": [["grade", "label", "min"]]
        + [[b.get("grade"), b.get("label"), b.get("min")] for b in body.get("grade_bands") or []],
        "指标": [["id", "name", "parent", "max_points", "target", "method", "applies_to", "responsible_unit"]]
        + [
            [
                n.get("id"),
                n.get("name"),
                n.get("parent"),
                n.get("max_points"),
                n.get("target"),
                (n.get("method") or {}).get("type"),
                ",".join(n.get("applies_to") or []),
                (n.get("responsible") or {}).get("unit"),
            ]
            for n in plan.indicators
        ],
        "单位": [["id", "name", "kind", "group", "parent", "version"]]
        + [[u.id, u.name, u.kind, u.group, u.parent, u.version] for u in units],
        "目标": [["unit", "indicator", "target", "version"]]
        + [[t.unit_id, t.indicator_id, t.target, t.version] for t in targets],
    }
    return excel.build_workbook(sheets)


async def export_results(uow: AbstractUnitOfWork, plan_id: str, period: str | None) -> bytes:
    """Every result of the plan (optionally of one period) with its reported and confirmed values."""
    async with uow:
        await load_plan(uow, plan_id)
        results = await uow.results.find(plan_id=plan_id, period=period)
    header = [
        "unit",
        "indicator",
        "part",
        "period",
        "status",
        "reported",
        "comment",
        "confirmed",
        "confirmed_version",
        "confirmed_by",
        "review_note",
    ]
    rows = [
        [
            r.unit_id,
            r.indicator_id,
            r.part,
            r.period,
            r.status,
            _show(r.reported),
            r.comment,
            _show(r.confirmed),
            r.confirmed_version,
            r.confirmed_by,
            r.review_note,
        ]
        for r in results
    ]
    return excel.build_workbook({"成果": [header, *rows]})


def _show(value: dict[str, Any] | None) -> Any:
    if not value:
        return None
    (v,) = value.values()
    return ("是" if v else "否") if isinstance(v, bool) else v

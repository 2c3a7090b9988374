"""A jixiao.results/v1 document as a readable table per ranking group, with Chinese grade labels."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

DEFAULT_LABELS = {"excellent": "优", "good": "良", "fair": "一般", "poor": "差", "pass": "合格", "fail": "不合格"}


def _num(value: Any) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)):.2f}"


def plan_titles(plan: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """A plan body's name and its groups' display names (`plan.groups`, scoring.md): what the tables show."""
    groups = plan.get("groups") if isinstance(plan.get("groups"), Mapping) else {}
    return str(plan.get("name") or ""), {str(k): str(v) for k, v in groups.items() if v}


def table_title(
    doc: Mapping[str, Any], group: str, plan_name: str = "", groups: Mapping[str, str] | None = None
) -> str:
    """`<plan name> <period> — <group name>`: the plan's names, the ids only where the plan names none."""
    return f"{plan_name or doc.get('plan')} {doc.get('period')} — {(groups or {}).get(group) or group}"


def render_results(
    doc: Mapping[str, Any],
    out: TextIO,
    labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    *,
    plan_name: str = "",
    groups: Mapping[str, str] | None = None,
) -> None:
    """Print one table per group, titled with the plan's and the group's names: rank, unit, components,
    total, grade (label), veto, award, status."""
    labels = {**DEFAULT_LABELS, **(labels or {})}
    names = names or {}
    console = Console(file=out, width=max(120, Console(file=out).width), highlight=False)
    units = list(doc.get("units", []))
    keys = list(dict.fromkeys(k for u in units for k in u.get("components", {})))
    for group in sorted({u["group"] for u in units}):
        rows = sorted(
            (u for u in units if u["group"] == group),
            key=lambda u: (u.get("rank") is None, u.get("rank") or 0, u["unit"]),
        )
        table = Table(title=table_title(doc, group, plan_name, groups), title_justify="left")
        for col in ("名次 rank", "单位 unit", *keys, "总分 total", "等级 grade", "否决 veto", "评优 award", "status"):
            table.add_column(col, justify="right" if col not in ("单位 unit", "等级 grade", "status") else "left")
        for u in rows:
            grade = u.get("grade")
            unit = f"{u['unit']} {names.get(u['unit'], '')}".strip()
            table.add_row(
                str(u.get("rank") or "—"),
                unit,
                *(_num(u.get("components", {}).get(k)) for k in keys),
                _num(u.get("total")),
                labels.get(grade, grade) if grade else "—",
                "一票否决" if u.get("vetoed") else "",
                "✓" if u.get("award_eligible") else "",
                u.get("status", ""),
            )
        console.print(table)

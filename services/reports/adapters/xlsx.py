"""XLSX exports (openpyxl): rankings one sheet per group, and the commendation / criticism lists.

Formatted for printing and filing: bold shaded headers, frozen header row and unit column, numbers
with two decimals (deductions negative), Chinese sheet names (the plan's group names), column widths.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from services.reports.domain import rules
from services.reports.domain.model import ComponentInfo, RankingRow, RankingView, ScoreCard

HEADER = [
    "名次 Rank",
    "单位 Unit",
    "单位名称 Name",
    "总分 Total",
    "等级 Grade",
    "等级名称 Label",
    "一票否决 Vetoed",
    "可评先 Award eligible",
    "状态 Status",
]
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(bottom=_THIN)
NUMBER = "0.00"
DEDUCTION = "-0.00;-0.00;0.00"  # a deduction is stored as a negative number and shown as one


def sheet_title(group: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", group).strip("'") or "未分组"
    title, n = base[:31], 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def _components(view: RankingView) -> list[ComponentInfo]:
    return rules.components_of(view)


def _header(ws: Worksheet, names: Sequence[str], widths: Sequence[int]) -> None:
    ws.append(list(names))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 32
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "C2"  # header row and the rank/unit columns stay in view


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_xlsx(view: RankingView, component_name: Callable[[str], str] | None = None) -> bytes:
    """The ranking workbook: one sheet per ranking group, named by the plan's group name.

    Columns: rank, unit id, name, one per component (penalties as negative deductions), total, grade,
    label, vetoed, award-eligible, status. Totals are exact decimals shown with two places.
    """
    name_of = component_name or (lambda k: k)
    comps = _components(view)
    header = (
        HEADER[:3]
        + [f"{name_of(c.key)}（扣分）" if c.type == "penalty" else name_of(c.key) for c in comps]
        + HEADER[3:]
    )
    first_num = 4
    total_col = first_num + len(comps)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"{view.plan_name or view.plan_id} {view.period}"
    graded_at = view.graded_at.isoformat() if view.graded_at else ""
    wb.properties.subject = "provisional" if view.provisional else f"snapshot v{view.snapshot_version} {graded_at}"
    used: set[str] = set()
    for group in view.groups:
        ws = wb.create_sheet(sheet_title(group.name or group.group, used))
        _header(ws, header, [8, 12, 20] + [14] * len(comps) + [10, 10, 12, 12, 14, 10])
        for r in group.rows:
            values = [
                -(r.components[c.key]) if c.type == "penalty" and c.key in r.components else r.components.get(c.key)
                for c in comps
            ]
            ws.append(
                [
                    r.rank,
                    r.unit_id,
                    r.unit_name or None,
                    *values,
                    r.total,
                    r.grade,
                    r.grade_label or None,
                    "是" if r.vetoed else "否",
                    "是" if r.award_eligible else "否",
                    r.status,
                ]
            )
            row = ws.max_row
            for i, c in enumerate(comps):
                ws.cell(row, first_num + i).number_format = DEDUCTION if c.type == "penalty" else NUMBER
            ws.cell(row, total_col).number_format = NUMBER
        ws.auto_filter.ref = ws.dimensions
        ws.print_title_rows = "1:1"
    if not wb.worksheets:
        _header(wb.create_sheet("无数据"), header, [10] * len(header))
    return _save(wb)


LIST_HEADER = ["单位 Unit", "单位名称 Name", "分组 Group", "名次 Rank", "总分 Total", "等级 Grade", "奖励档次 Reward"]


PERSONS_HEADER = [
    "单位 Unit",
    "单位名称 Name",
    "编号 Staff ID",
    "姓名 Person",
    "职务 Position",
    "单位等级 Unit grade",
    "原因 Reasons",
]


def export_list_xlsx(sheet: str, view: RankingView, rows: Sequence[RankingRow], persons: Sequence = ()) -> bytes:
    """通报表彰 or 通报批评 as one sheet with a Chinese name, and its persons (docs/people.md) on a second
    sheet (表彰人员 / 批评人员) once staff exist."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(sheet, set())
    wb.properties.title = f"{view.plan_name or view.plan_id} {view.period} {sheet}"
    _header(ws, LIST_HEADER, [12, 20, 16, 8, 10, 10, 16])
    ws.freeze_panes = "B2"
    for r in rows:
        ws.append(
            [
                r.unit_id,
                r.unit_name or None,
                r.group_name or r.group,
                r.rank,
                r.total if r.total is not None else None,
                r.grade_label or r.grade,
                view.info.rewards.get(r.grade or "") or None,
            ]
        )
        ws.cell(ws.max_row, 5).number_format = NUMBER
    if persons:
        names = {r.unit_id: r.unit_name or r.unit_id for r in rows}
        labels = dict(view.grade_order)
        ps = wb.create_sheet(sheet_title(sheet[2:] + "人员", {ws.title.lower()}))
        _header(ps, PERSONS_HEADER, [12, 20, 12, 12, 14, 12, 40])
        ps.freeze_panes = "B2"
        for p in persons:
            ps.append(
                [
                    p.unit_id,
                    names.get(p.unit_id, p.unit_id),
                    p.staff_id,
                    p.name,
                    p.position or None,
                    labels.get(p.unit_grade) or p.unit_grade or None,
                    p.reason_text or None,
                ]
            )
    return _save(wb)


def export_card_xlsx(
    card: ScoreCard,
    explanation: dict | None,
    component_name: Callable[[str], str],
    indicator_names: dict[str, str] | None = None,
) -> bytes:
    """One unit's score card: 成绩单 (facts and the sum step by step) and, with scoring's explanation,
    指标明细 (every leaf: input, fraction, points earned of possible) and 扣分明细 (every deduction)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "成绩单"
    r = card.row
    wb.properties.title = f"{card.plan_id} {card.period} {r.unit_name or r.unit_id}"
    _header(ws, ["项目 Item", "值 Value", "权重 Weight", "计入总分 Counts"], [24, 20, 12, 14])
    ws.freeze_panes = "A2"
    for label, value in (
        ("单位 Unit", r.unit_name or r.unit_id),
        ("编号 ID", r.unit_id),
        ("分组 Group", r.group_name or r.group),
        ("定级快照 Snapshot", card.snapshot_version),
        ("名次 Rank", r.rank),
        ("等级 Grade", r.grade_label or r.grade),
        ("一票否决 Vetoed", "是" if r.vetoed else "否"),
    ):
        ws.append([label, value])
    for comp in (explanation or {}).get("components", []):
        penalty = comp["type"] == "penalty"
        ws.append(
            [
                component_name(comp["key"]) + ("（扣分）" if penalty else ""),
                -Decimal(str(comp["score"]))
                if penalty and comp.get("score") is not None
                else None
                if comp.get("score") is None
                else Decimal(str(comp["score"])),
                None if comp.get("weight") is None else Decimal(str(comp["weight"])),
                Decimal(str(comp["contribution"])),
            ]
        )
        for col in (2, 4):
            ws.cell(ws.max_row, col).number_format = DEDUCTION if penalty and col == 2 else NUMBER
    ws.append(["总分 Total", r.total])
    ws.cell(ws.max_row, 2).number_format = NUMBER
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    if explanation:
        leaves = wb.create_sheet("指标明细")
        _header(
            leaves,
            [
                "指标 Indicator",
                "名称 Name",
                "方法 Method",
                "输入 Input",
                "得分率 Fraction",
                "得分 Points",
                "满分 Possible",
                "确认人 Confirmed by",
                "确认时间 Confirmed at",
            ],
            [16, 24, 14, 28, 12, 10, 10, 14, 26],
        )
        for comp in explanation.get("components", []):
            for leaf in comp.get("leaves", []):
                inp = leaf.get("input")
                leaves.append(
                    [
                        leaf["indicator"] + (f"#{leaf['part']}" if leaf.get("part") else ""),
                        (indicator_names or {}).get(leaf["indicator"]),
                        leaf["method"],
                        None if inp is None else ", ".join(f"{k}={v}" for k, v in inp.items()),
                        Decimal(str(leaf["fraction"])),
                        Decimal(str(leaf["points"])),
                        Decimal(str(leaf["max_points"])) * Decimal(str(leaf.get("weight", 1))),
                        leaf.get("confirmed_by"),
                        leaf.get("confirmed_at"),
                    ]
                )
                for col, fmt in ((5, "0.0000"), (6, NUMBER), (7, NUMBER)):
                    leaves.cell(leaves.max_row, col).number_format = fmt
        deductions = wb.create_sheet("扣分明细")
        _header(
            deductions,
            [
                "日期 Date",
                "记录 Record",
                "类别 Kind",
                "扣分 Points",
                "计入 Counted",
                "状态 Status",
                "方面 Aspect",
                "察访 Inspection",
                "申诉 Appeal",
                "申诉结果 Outcome",
                "撤销理由 Reason",
                "扣分上限 Cap",
            ],
            [12, 12, 12, 10, 10, 14, 14, 16, 14, 12, 30, 10],
        )
        for comp in explanation.get("components", []):
            for d in comp.get("deductions", []):
                deductions.append(
                    [
                        str(d["date"]),
                        d["id"],
                        d["kind"],
                        -Decimal(str(d["points"])),
                        -Decimal(str(d["counted"])),
                        d["status"],
                        d.get("aspect"),
                        d.get("inspection"),
                        d.get("appeal"),
                        d.get("appeal_outcome"),
                        d.get("reason"),
                        None if comp.get("cap") is None else Decimal(str(comp["cap"])),
                    ]
                )
                for col in (4, 5):
                    deductions.cell(deductions.max_row, col).number_format = DEDUCTION
    return _save(wb)

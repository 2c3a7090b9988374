"""XLSX exports (openpyxl): rankings one sheet per group, and the commendation / criticism lists.

Formatted for printing and filing: bold shaded headers, frozen header row and unit column, numbers
with two decimals (deductions negative), Chinese sheet names (the plan's group names), column widths.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from services.reports.domain import rules
from services.reports.domain.model import ComponentInfo, RankingRow, RankingView

HEADER = ["名次 Rank", "单位 Unit", "单位名称 Name", "总分 Total", "等级 Grade", "等级名称 Label",
          "一票否决 Vetoed", "可评先 Award eligible", "状态 Status"]
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(bottom=_THIN)
NUMBER = "0.00"
DEDUCTION = "-0.00;-0.00;0.00"        # a deduction is stored as a negative number and shown as one


def sheet_title(group: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", group).strip("'") or "未分组"
    title, n = base[:31], 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
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
    ws.freeze_panes = "C2"                  # header row and the rank/unit columns stay in view


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
    header = HEADER[:3] + [f"{name_of(c.key)}（扣分）" if c.type == "penalty" else name_of(c.key) for c in comps] \
        + HEADER[3:]
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
            values = [-(r.components[c.key]) if c.type == "penalty" and c.key in r.components
                      else r.components.get(c.key) for c in comps]
            ws.append([r.rank, r.unit_id, r.unit_name or None, *values, r.total, r.grade, r.grade_label or None,
                       "是" if r.vetoed else "否", "是" if r.award_eligible else "否", r.status])
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


def export_list_xlsx(sheet: str, view: RankingView, rows: Sequence[RankingRow]) -> bytes:
    """通报表彰 or 通报批评 as one sheet with a Chinese name."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(sheet, set())
    wb.properties.title = f"{view.plan_name or view.plan_id} {view.period} {sheet}"
    _header(ws, LIST_HEADER, [12, 20, 16, 8, 10, 10, 16])
    ws.freeze_panes = "B2"
    for r in rows:
        ws.append([r.unit_id, r.unit_name or None, r.group_name or r.group, r.rank,
                   r.total if r.total is not None else None, r.grade_label or r.grade,
                   view.info.rewards.get(r.grade or "") or None])
        ws.cell(ws.max_row, 5).number_format = NUMBER
    return _save(wb)

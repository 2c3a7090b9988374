"""The XLSX export: one sheet per ranking group, bilingual header row."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from services.reports.domain.model import RankingView

HEADER = ["名次 Rank", "单位 Unit", "单位名称 Name", "总分 Total", "等级 Grade", "等级名称 Label",
          "一票否决 Vetoed", "可评先 Award eligible", "状态 Status"]
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(group: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", group).strip("'") or "未分组"
    title, n = base[:31], 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def export_xlsx(view: RankingView) -> bytes:
    """The workbook bytes; totals are written as exact decimals with two places."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"{view.plan_id} {view.period}"
    graded_at = view.graded_at.isoformat() if view.graded_at else ""
    wb.properties.subject = "provisional" if view.provisional else f"snapshot v{view.snapshot_version} {graded_at}"
    used: set[str] = set()
    for group in view.groups:
        ws = wb.create_sheet(sheet_title(group.group, used))
        ws.append(HEADER)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in group.rows:
            ws.append([r.rank, r.unit_id, r.unit_name or None, r.total, r.grade, r.grade_label or None,
                       "是" if r.vetoed else "否", "是" if r.award_eligible else "否", r.status])
            ws.cell(ws.max_row, 4).number_format = "0.00"
        ws.freeze_panes = "A2"
        for col, width in zip("ABCDEFGHI", (10, 14, 20, 12, 12, 14, 14, 20, 12), strict=True):
            ws.column_dimensions[col].width = width
    if not wb.worksheets:
        wb.create_sheet("无数据").append(HEADER)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

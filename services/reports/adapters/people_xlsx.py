"""The personnel office's list as XLSX (openpyxl): one row per person, filed with the year-end cadre
assessment — unit, position, unit grade, absences, leave days by type, deductions, eligible, reasons."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from services.reports.domain.people import LEAVE_COLUMNS

_FILL = PatternFill("solid", fgColor="DDEBF7")
_NO = PatternFill("solid", fgColor="FCE4D6")


def people_header(leave_types: list[str]) -> list[str]:
    return (
        [
            "单位 Unit",
            "单位名称 Unit name",
            "姓名 Name",
            "职务 Position",
            "单位等级 Unit grade",
            "缺勤次数 Absences",
            "无故缺勤 Unexcused",
        ]
        + [f"{LEAVE_COLUMNS.get(t, t)}(天)" for t in leave_types]
        + ["其中待批(天) Pending approval", "扣分 Deductions", "可评优 Eligible", "原因 Reasons"]
    )


def export_people_xlsx(view) -> bytes:
    """One sheet 评优资格 (a PeopleView): a bold shaded frozen header, ineligible rows shaded."""
    wb = Workbook()
    ws = wb.active
    ws.title = "评优资格"
    header = people_header(view.leave_types)
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), _FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for unit in view.units:
        grade = view.grade_labels.get(unit.unit_grade, unit.unit_grade)
        for p in unit.people:
            ws.append(
                [
                    unit.unit_id,
                    unit.unit_name,
                    p.name,
                    p.position,
                    grade,
                    p.absences,
                    p.unexcused_absences,
                    *(p.leave_days.get(t, 0) for t in view.leave_types),
                    p.pending_leave_days,
                    p.deduction_points,
                    "是" if p.eligible else "否",
                    p.reason_text,
                ]
            )
            if not p.eligible:
                for cell in ws[ws.max_row]:
                    cell.fill = _NO
    deductions = len(header) - 2
    for row in ws.iter_rows(min_row=2, min_col=deductions, max_col=deductions):
        for cell in row:
            cell.number_format = "0.00"
    ws.freeze_panes = "C2"
    widths = [10, 16, 12, 12, 10, 9, 9, *([8] * len(view.leave_types)), 9, 9, 8, 48]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

"""Server-rendered pages, the public notice, the lists and the annual report: escaped strings, no script.

Every word comes from the message catalogue (`i18n`), every time is shown in the county's time zone,
every chart is inline SVG (`charts`), and every page carries a print stylesheet.
"""

from .card import as_decimal, card_html, explanation_html, sum_steps_html
from .common import (
    CENT,
    SHANGHAI,
    Ctx,
    award_tag,
    component_head,
    fmt_time,
    fmt_total,
    page_html,
    plan_components,
    plan_title,
    quote_part,
    row_html,
    status_line,
    unit_cell,
    veto_tag,
    veto_text,
)
from .notice import annual_report_html, annual_report_md, list_html, notice_html
from .ranking import component_chart, dashboard_html, grade_chart, index_html, ranking_table

__all__ = [
    "CENT",
    "Ctx",
    "SHANGHAI",
    "annual_report_html",
    "annual_report_md",
    "as_decimal",
    "award_tag",
    "card_html",
    "component_chart",
    "component_head",
    "dashboard_html",
    "explanation_html",
    "fmt_time",
    "fmt_total",
    "grade_chart",
    "index_html",
    "list_html",
    "notice_html",
    "page_html",
    "plan_components",
    "plan_title",
    "quote_part",
    "ranking_table",
    "row_html",
    "status_line",
    "sum_steps_html",
    "unit_cell",
    "veto_tag",
    "veto_text",
]

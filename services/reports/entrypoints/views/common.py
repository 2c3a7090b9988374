"""The page frame every reports page shares: the context (language, zone, path), the stylesheet,
escaping, and number and time formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from services.reports.domain import rules
from services.reports.domain.model import (
    ComponentInfo,
    RankingRow,
    RankingView,
)
from services.reports.entrypoints.i18n import Messages

SHANGHAI = ZoneInfo("Asia/Shanghai")


CENT = Decimal("0.01")


_CSS = """
*{box-sizing:border-box}
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",-apple-system,sans-serif;
 margin:0;padding:12px;color:#1f2328;background:#f6f8fa;line-height:1.5}
h1{font-size:1.3rem;margin:.2rem 0 .6rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}h3{font-size:1rem;margin:.8rem 0 .3rem}
.meta{color:#57606a;font-size:.9rem}
.banner{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem .75rem;border-radius:6px;margin:.5rem 0}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:.6rem;margin:.8rem 0}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;min-width:22rem;font-size:.95rem}
th,td{padding:.35rem .5rem;border-bottom:1px solid #eaeef2;text-align:left;white-space:nowrap}
th{background:#f6f8fa;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.neg{color:#cf222e}
tr.vetoed td{background:#fff0f0}
.tag{display:inline-block;font-size:.75rem;padding:0 .35rem;border-radius:4px;margin-left:.25rem;white-space:nowrap}
.veto{background:#cf222e;color:#fff}.award{background:#1a7f37;color:#fff}
.grade-excellent{color:#1a7f37;font-weight:600}.grade-poor,.grade-fail{color:#cf222e}
.dist{display:flex;flex-wrap:wrap;gap:.4rem;margin:.4rem 0;padding:0;list-style:none}
.dist li{background:#f6f8fa;border:1px solid #d0d7de;border-radius:12px;padding:0 .6rem;font-size:.9rem}
.uid{color:#57606a;font-size:.8rem;margin-left:.25rem}
.hash{font-family:monospace;word-break:break-all;white-space:normal}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts>div{flex:1 1 20rem}
a{color:#0969da}ul.links{padding-left:1.2rem}
nav.top{display:flex;justify-content:space-between;gap:.5rem;font-size:.9rem}
textarea{width:100%;min-height:4rem}
@media (max-width:480px){body{padding:8px}th,td{padding:.3rem}}
@media print{
 @page{size:A4;margin:15mm}
 body{background:#fff;padding:0;font-size:10.5pt}
 nav.top,form,.noprint{display:none!important}
 .card{border:none;padding:0;margin:.4rem 0;break-inside:avoid}
 .scroll{overflow:visible}
 table{min-width:0}th,td{white-space:normal;padding:.15rem .3rem}
 a{color:inherit;text-decoration:none}
 tr{break-inside:avoid}
 h2{break-after:avoid}
 .banner{border:1px solid #000;background:#fff}
}
"""


@dataclass(frozen=True)
class Ctx:
    """How a page is rendered: the language, the county's time zone, and the `?lang=` to carry along."""

    m: Messages
    zone: ZoneInfo = SHANGHAI
    lang_query: str | None = None
    path: str = "/"

    def href(self, path: str, **params) -> str:
        if self.lang_query:
            params = {**params, "lang": self.lang_query}
        params = {k: v for k, v in params.items() if v is not None}
        return escape(path + ("?" + urlencode(params) if params else ""))

    def switch(self) -> str:
        other = "zh-CN" if self.m.en else "en"
        return escape(self.path + "?" + urlencode({"lang": other}))

    def time(self, at: datetime | None) -> str:
        return self.m.time(at, self.zone)


def quote_part(text: str) -> str:
    return quote(text, safe="")


# The PDF's font: a TrueType CJK font (Debian fonts-wqy-microhei). WeasyPrint subsets the font it embeds,
# and subsetting Noto CJK's CID-keyed CFF with fontTools takes 30-45 s per PDF here, against ~2 s.
_PDF_CSS = 'body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif}'


def page_html(ctx: Ctx, title: str, body: str, *, nav: bool = True, pdf: bool = False) -> str:
    m = ctx.m
    top = (
        (
            f'<nav class="top"><a href="{ctx.href("/dashboard")}">{m("all_plans")}</a>'
            f'<span><a href="{ctx.switch()}" hreflang="{"zh-CN" if m.en else "en"}" id="lang-switch">'
            f"{m('language')}</a></span></nav>\n"
        )
        if nav
        else ""
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{m.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}{_PDF_CSS if pdf else ''}</style></head>\n<body>\n{top}{body}\n"
        f'<p class="meta">{escape(m("times_in", zone=m.zone_name(ctx.zone)))}</p>\n</body></html>\n'
    )


def fmt_total(total: Decimal | None) -> str:
    return "—" if total is None else f"{total:.2f}"


def status_line(ctx: Ctx, view: RankingView) -> str:
    m = ctx.m
    if view.provisional:
        return m("provisional")
    by = m("closed_by", who=view.closed_by) if view.closed_by else ""
    return m("graded", version=view.snapshot_version, at=ctx.time(view.graded_at)) + by


def plan_title(view: RankingView) -> str:
    return view.plan_name or view.plan_id


def veto_text(m: Messages, categories) -> str:
    cats = (
        "、".join(m.veto_category(c) for c in categories)
        if not m.en
        else ", ".join(m.veto_category(c) for c in categories)
    )
    return m("veto") + (("：" if not m.en else ": ") + cats if cats else "")


def veto_tag(m: Messages, row: RankingRow) -> str:
    return f'<span class="tag veto">{escape(veto_text(m, row.veto_categories))}</span>' if row.vetoed else ""


def award_tag(m: Messages, row: RankingRow) -> str:
    return f'<span class="tag award">{m("award")}</span>' if row.award_eligible else ""


def unit_cell(ctx: Ctx, row: RankingRow, page: str | None) -> str:
    name = (
        escape(row.unit_name) + f'<span class="uid">{escape(row.unit_id)}</span>'
        if row.unit_name
        else escape(row.unit_id)
    )
    return f'<a href="{ctx.href(f"{page}/{quote_part(row.unit_id)}")}">{name}</a>' if page else name


def plan_components(view: RankingView) -> list[ComponentInfo]:
    return rules.components_of(view)


def component_head(m: Messages, c: ComponentInfo) -> str:
    name = m.component(c.key)
    return escape(m("deduction_col", name=name) if c.type == "penalty" else name)


def _component_cell(m: Messages, c: ComponentInfo, row: RankingRow) -> str:
    value = row.components.get(c.key)
    if c.type == "penalty":
        cls = "num neg" if value else "num"
        return f'<td class="{cls}">{m.deduction(value)}</td>'
    return f'<td class="num">{m.number(value)}</td>'


def row_html(ctx: Ctx, row: RankingRow, comps: list[ComponentInfo], page: str | None) -> str:
    m = ctx.m
    grade_cls = f' class="grade-{escape(row.grade)}"' if row.grade else ""
    tr = '<tr class="vetoed">' if row.vetoed else "<tr>"
    rank = row.rank if row.rank is not None else "—"
    cells = "".join(_component_cell(m, c, row) for c in comps)
    return (
        f'{tr}<td class="num">{rank}{veto_tag(m, row)}</td>'
        f"<td>{unit_cell(ctx, row, page)}{award_tag(m, row)}</td>{cells}"
        f'<td class="num"><strong>{fmt_total(row.total)}</strong></td>'
        f"<td{grade_cls}>{escape(m.grade(row.grade, row.grade_label)) or '—'}</td></tr>"
    )


def fmt_time(at: datetime | None, zone: ZoneInfo = SHANGHAI) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z") if at else "—"

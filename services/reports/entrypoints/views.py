"""Server-rendered pages, the public notice, the lists and the annual report: escaped strings, no script.

Every word comes from the message catalogue (`i18n`), every time is shown in the county's time zone,
every chart is inline SVG (`charts`), and every page carries a print stylesheet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from services.reports.domain import rules
from services.reports.domain.model import (
    ComponentInfo,
    GroupRanking,
    Notice,
    Objection,
    PeriodState,
    RankingRow,
    RankingView,
    ScoreCard,
)
from services.reports.entrypoints import charts
from services.reports.entrypoints.i18n import Messages

SHANGHAI = ZoneInfo("Asia/Shanghai")
_CENT = Decimal("0.01")

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


def _q(text: str) -> str:
    return quote(text, safe="")


# The PDF's font: a TrueType CJK font (Debian fonts-wqy-microhei). WeasyPrint subsets the font it embeds,
# and subsetting Noto CJK's CID-keyed CFF with fontTools takes 30-45 s per PDF here, against ~2 s.
_PDF_CSS = 'body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif}'


def _page(ctx: Ctx, title: str, body: str, *, nav: bool = True, pdf: bool = False) -> str:
    m = ctx.m
    top = (f'<nav class="top"><a href="{ctx.href("/dashboard")}">{m("all_plans")}</a>'
           f'<span><a href="{ctx.switch()}" hreflang="{"zh-CN" if m.en else "en"}" id="lang-switch">'
           f'{m("language")}</a></span></nav>\n') if nav else ""
    return (f"<!DOCTYPE html>\n<html lang=\"{m.lang}\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_CSS}{_PDF_CSS if pdf else ''}</style></head>\n<body>\n{top}{body}\n"
            f'<p class="meta">{escape(m("times_in", zone=m.zone_name(ctx.zone)))}</p>\n</body></html>\n')


def fmt_total(total: Decimal | None) -> str:
    return "—" if total is None else f"{total:.2f}"


def _status_line(ctx: Ctx, view: RankingView) -> str:
    m = ctx.m
    if view.provisional:
        return m("provisional")
    by = m("closed_by", who=view.closed_by) if view.closed_by else ""
    return m("graded", version=view.snapshot_version, at=ctx.time(view.graded_at)) + by


def _plan_title(view: RankingView) -> str:
    return view.plan_name or view.plan_id


def _veto_text(m: Messages, categories) -> str:
    cats = "、".join(m.veto_category(c) for c in categories) if not m.en else ", ".join(
        m.veto_category(c) for c in categories)
    return m("veto") + (("：" if not m.en else ": ") + cats if cats else "")


def _veto_tag(m: Messages, row: RankingRow) -> str:
    return f'<span class="tag veto">{escape(_veto_text(m, row.veto_categories))}</span>' if row.vetoed else ""


def _award_tag(m: Messages, row: RankingRow) -> str:
    return f'<span class="tag award">{m("award")}</span>' if row.award_eligible else ""


def _unit_cell(ctx: Ctx, row: RankingRow, page: str | None) -> str:
    name = escape(row.unit_name) + f'<span class="uid">{escape(row.unit_id)}</span>' if row.unit_name \
        else escape(row.unit_id)
    return f'<a href="{ctx.href(f"{page}/{_q(row.unit_id)}")}">{name}</a>' if page else name


def _components(view: RankingView) -> list[ComponentInfo]:
    return rules.components_of(view)


def _component_head(m: Messages, c: ComponentInfo) -> str:
    name = m.component(c.key)
    return escape(m("deduction_col", name=name) if c.type == "penalty" else name)


def _component_cell(m: Messages, c: ComponentInfo, row: RankingRow) -> str:
    value = row.components.get(c.key)
    if c.type == "penalty":
        cls = "num neg" if value else "num"
        return f'<td class="{cls}">{m.deduction(value)}</td>'
    return f'<td class="num">{m.number(value)}</td>'


def _row_html(ctx: Ctx, row: RankingRow, comps: list[ComponentInfo], page: str | None) -> str:
    m = ctx.m
    grade_cls = f' class="grade-{escape(row.grade)}"' if row.grade else ""
    tr = '<tr class="vetoed">' if row.vetoed else "<tr>"
    rank = row.rank if row.rank is not None else "—"
    cells = "".join(_component_cell(m, c, row) for c in comps)
    return (f'{tr}<td class="num">{rank}{_veto_tag(m, row)}</td>'
            f"<td>{_unit_cell(ctx, row, page)}{_award_tag(m, row)}</td>{cells}"
            f'<td class="num"><strong>{fmt_total(row.total)}</strong></td>'
            f"<td{grade_cls}>{escape(m.grade(row.grade, row.grade_label)) or '—'}</td></tr>")


def ranking_table(ctx: Ctx, view: RankingView, group: GroupRanking, page: str | None) -> str:
    m = ctx.m
    comps = _components(view)
    head = "".join(f'<th class="num">{_component_head(m, c)}</th>' for c in comps)
    rows = "\n".join(_row_html(ctx, r, comps, page) for r in group.rows)
    return (f'<div class="scroll"><table><thead><tr><th>{m("rank")}</th><th>{m("unit")}</th>{head}'
            f'<th class="num">{m("total")}</th><th>{m("grade")}</th></tr></thead><tbody>\n{rows}\n'
            f"</tbody></table></div>")


def _group_html(ctx: Ctx, view: RankingView, group: GroupRanking, page: str) -> str:
    m = ctx.m
    dist = "".join(f"<li>{escape(m.grade(code, label))} {count}</li>" for code, label, count in group.distribution)
    if group.ungraded:
        dist += f"<li>{m('ungraded')} {group.ungraded}</li>"
    title = group.name or group.group or m("ungrouped")
    return (f'<section class="card group" data-group="{escape(group.group)}"><h2>{escape(title)}'
            f' <span class="meta">{m("units_count", n=len(group.rows))}</span></h2>'
            f'<ul class="dist" aria-label="{m("grade_distribution")}">{dist}</ul>'
            f"{ranking_table(ctx, view, group, page)}</section>")


def grade_chart(ctx: Ctx, view: RankingView) -> str:
    m = ctx.m
    counts = rules.grade_counts(view)
    return charts.bar_chart(m("grade_distribution"), [(m.grade(c, label), n, str(n)) for c, label, n in counts],
                            chart_id="grade-chart")


def component_chart(ctx: Ctx, view: RankingView) -> str:
    m = ctx.m
    bars = []
    for c, avg, _n in rules.component_averages(view):
        if c.type == "penalty":
            bars.append((m("deduction_col", name=m.component(c.key)), avg, m.deduction(avg)))
        else:
            bars.append((m.component(c.key), avg, m.number(avg)))
    return charts.bar_chart(m("component_averages"), bars, max_value=100, chart_id="component-chart")


def _links(ctx: Ctx, view: RankingView) -> str:
    m = ctx.m
    plan, period = _q(view.plan_id), _q(view.period)
    api = f"/v1/plans/{plan}/periods/{period}"
    items = [(ctx.href(f"{api}/rankings"), m("json")),
             (ctx.href(f"{api}/export.xlsx", lang=ctx.m.lang), m("xlsx"))]
    if not view.provisional:
        items = [(ctx.href(f"/notice/{plan}/{period}"), m("notice")),
                 (ctx.href(f"/lists/{plan}/{period}/commendation"), m("commendation")),
                 (ctx.href(f"/lists/{plan}/{period}/criticism"), m("criticism")),
                 *items,
                 (ctx.href(f"/reports/{plan}/{period}/annual-report"), m("annual_report")),
                 (escape(f"/reports/{plan}/{period}/annual-report-{m.lang}.pdf"), m("annual_report_pdf")),
                 (ctx.href(f"{api}/annual-report"), m("annual_report_md"))]
    return ('<p class="meta links">' + " · ".join(f'<a href="{h}">{escape(t)}</a>' for h, t in items) + "</p>")


def dashboard_html(view: RankingView, ctx: Ctx | None = None, *, movers=(), previous: int | None = None,
                   notices=()) -> str:
    """One (plan, period): per group its ranking with component scores, charts, movers, links."""
    ctx = ctx or Ctx(Messages("zh-CN"))
    m = ctx.m
    title = m("ranking_title", plan=_plan_title(view), period=m.period(view.period))
    banner = f'<p class="banner">{escape(_status_line(ctx, view))}</p>' if view.provisional \
        else f'<p class="meta">{escape(_status_line(ctx, view))}</p>'
    page = f"/dashboard/{_q(view.plan_id)}/{_q(view.period)}"
    groups = "\n".join(_group_html(ctx, view, g, page) for g in view.groups) or f"<p>{m('no_data')}</p>"
    chart_box = (f'<section class="card charts"><div>{grade_chart(ctx, view)}</div>'
                 f"<div>{component_chart(ctx, view)}</div></section>") if view.rows else ""
    moved = ""
    if not view.provisional:
        if previous is None:
            text = f"<p class=\"meta\">{m('movers_none')}</p>"
        elif not movers:
            text = f"<p class=\"meta\">{m('movers_same', version=previous)}</p>"
        else:
            lines = "".join(
                f"<tr><td>{_unit_cell(ctx, r, page)}</td><td>{escape(r.group_name or r.group)}</td>"
                f'<td class="num">{fmt_total(old)}</td><td class="num">{fmt_total(r.total)}</td>'
                f'<td class="num">{m.signed(delta)}</td></tr>' for r, old, delta in movers)
            text = (f'<div class="scroll"><table><thead><tr><th>{m("unit")}</th><th>{m("group")}</th>'
                    f'<th class="num">{m("before")}</th><th class="num">{m("total")}</th>'
                    f'<th class="num">{m("change")}</th></tr></thead><tbody>{lines}</tbody></table></div>')
        moved = f'<section class="card"><h2>{m("movers")}</h2>{text}</section>'
    older = [v for v in notices if v != view.snapshot_version]
    versions = ""
    if older:
        versions = ('<p class="meta">' + m("other_versions") + " ".join(
            f'<a href="{ctx.href(f"/notice/{_q(view.plan_id)}/{_q(view.period)}/v{v}")}">'
            f'{m("notice_v", version=v)}</a>' for v in older) + "</p>")
    body = (f"<h1>{escape(title)}</h1>\n{banner}\n{_links(ctx, view)}\n{versions}\n{chart_box}\n{moved}\n"
            f"{groups}")
    return _page(ctx, title, body)


# -- score card -----------------------------------------------------------------------------------

def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def explanation_html(ctx: Ctx, explanation: dict, indicator_names: dict[str, str] | None = None) -> str:
    """Every component of scoring's explanation: leaves, survey rounds, deductions, then the sum step by step."""
    m = ctx.m
    indicator_names = indicator_names or {}
    parts = []
    for comp in explanation.get("components", []):
        name = escape(m.component(comp["key"]))
        rows = []
        for leaf in comp.get("leaves", []):
            what = escape(leaf["indicator"] + (f"#{leaf['part']}" if leaf.get("part") else ""))
            inp = leaf.get("input")
            inp_text = "—" if inp is None else escape(", ".join(f"{k}={v}" for k, v in inp.items()))
            label = escape(indicator_names.get(leaf["indicator"], ""))
            rows.append(f"<tr><td>{what}</td><td>{label}</td><td>{escape(m.method(leaf['method']))}</td><td>{inp_text}</td>"
                        f'<td class="num">{m.number(_dec(leaf["fraction"]), 4)}</td>'
                        f'<td class="num">{m.number(_dec(leaf["points"]))} / '
                        f'{m.number(_dec(leaf["max_points"]) * _dec(leaf.get("weight", 1)))}</td></tr>')
        if rows:
            parts.append(f'<h3>{name}</h3><div class="scroll"><table class="leaves"><thead><tr>'
                         f'<th>{m("col_indicator")}</th><th>{m("name")}</th>'
                         f'<th>{m("col_method")}</th>'
                         f'<th>{m("col_input_target_actual")}</th>'
                         f'<th class="num">{m("col_fraction")}</th>'
                         f'<th class="num">{m("col_points_earned_possible")}</th></tr></thead>'
                         f"<tbody>{''.join(rows)}</tbody></table></div>")
        rounds = []
        for rnd in comp.get("rounds", []):
            if not rnd.get("strata"):
                rounds.append(f"<tr><td>{escape(m.term(rnd['round']))}</td><td>{m('external')}</td><td></td><td></td>"
                              f'<td></td><td class="num">{m.number(_dec(rnd["score"]))}</td>'
                              f'<td class="num">{m.number(_dec(rnd.get("se")))}</td></tr>')
            for st in rnd.get("strata", []):
                rounds.append(f"<tr><td>{escape(m.term(rnd['round']))}</td><td>{escape(m.term(st['stratum']))}</td>"
                              f'<td class="num">{st["n"]}</td><td class="num">{m.number(_dec(st["mean"]))}</td>'
                              f'<td class="num">{m.number(_dec(st["weight"]))}</td>'
                              f'<td class="num">{m.number(_dec(rnd["score"]))}</td>'
                              f'<td class="num">{m.number(_dec(rnd["se"]))}</td></tr>')
        if rounds:
            parts.append(f'<h3>{name}</h3><div class="scroll"><table class="rounds"><thead><tr>'
                         f'<th>{m("col_round")}</th><th>{m("col_respondent_group")}</th>'
                         f'<th class="num">{m("col_responses")}</th>'
                         f'<th class="num">{m("col_mean")}</th>'
                         f'<th class="num">{m("weight")}</th><th class="num">{m("col_round_score")}</th>'
                         f'<th class="num">{m("survey_se")}</th></tr></thead>'
                         f"<tbody>{''.join(rounds)}</tbody></table></div>")
        deds = []
        for d in comp.get("deductions", []):
            deds.append(f"<tr><td>{escape(str(d['date']))}</td><td>{escape(d['id'])}</td><td>{escape(m.term(d['kind']))}</td>"
                        f'<td class="num neg">{m.deduction(_dec(d["points"]))}</td>'
                        f'<td class="num neg">{m.deduction(_dec(d["counted"]))}</td><td>{escape(m.term(d["status"]))}</td></tr>')
        if deds:
            cap = f"（{m('col_cap')} {m.number(_dec(comp.get('cap')))}）" if comp.get("cap") else ""
            parts.append(f'<h3>{name}{cap}</h3><div class="scroll"><table class="deductions"><thead><tr>'
                         f'<th>{m("col_date")}</th><th>{m("col_record")}</th>'
                         f'<th>{m("col_kind")}</th><th class="num">{m("deduction")}</th>'
                         f'<th class="num">{m("col_counted")}</th><th>{m("status")}</th></tr></thead>'
                         f"<tbody>{''.join(deds)}</tbody></table></div>")
    vetoes = explanation.get("vetoes", [])
    if vetoes:
        lis = "".join(f"<li>{escape(_veto_text(m, [v['category']]))} · {escape(str(v['date']))}"
                      f"{'' if v.get('counted', True) else ' (—)'}</li>" for v in vetoes)
        parts.append(f"<h3>{m('veto')}</h3><ul>{lis}</ul>")
    return "".join(parts)


def sum_steps_html(ctx: Ctx, explanation: dict, total: Decimal | None) -> str:
    """The weighted sum, one line per component, ending in the exact and the rounded total."""
    m = ctx.m
    lines = []
    for comp in explanation.get("components", []):
        contribution = _dec(comp["contribution"])
        if comp["type"] == "penalty":
            expr = f"− {m.number(_dec(comp.get('score')) or Decimal(0))}"
        elif comp.get("score") is None:
            expr = "—"
        else:
            expr = f"{m.number(_dec(comp['weight']), 2)} × {m.number(_dec(comp['score']), 4)}"
        cents = contribution.quantize(_CENT, ROUND_HALF_UP)
        lines.append(f'<tr><td>{escape(m.component(comp["key"]))}</td><td class="num">{expr}</td>'
                     f'<td class="num step" data-value="{cents}">{m.signed(cents)}</td></tr>')
    exact = _dec(explanation.get("total_exact"))
    lines.append(f'<tr><th>{m("total")}</th><td class="num">{"" if exact is None else escape(str(exact))}</td>'
                 f'<td class="num" id="sum-total"><strong>{fmt_total(total)}</strong></td></tr>')
    return (f'<div class="scroll"><table class="steps"><thead><tr><th>{m("component")}</th>'
            f'<th class="num">{m("weight")} × {m("score")}</th><th class="num">{m("contribution")}</th></tr>'
            f"</thead><tbody>{''.join(lines)}</tbody></table></div>")


def _simple_steps(ctx: Ctx, card: ScoreCard, comps: list[ComponentInfo]) -> str:
    """Without scoring's explanation: the weighted sum from the components the score event carried."""
    m = ctx.m
    lines = []
    for c in comps:
        v = card.components.get(c.key)
        if v is None:
            continue
        if c.type == "penalty":
            expr, contribution = f"− {m.number(v)}", -v
        elif c.weight is not None:
            expr, contribution = f"{m.number(c.weight)} × {m.number(v)}", c.weight * v
        else:
            continue
        lines.append(f'<tr><td>{escape(m.component(c.key))}</td><td class="num">{expr}</td>'
                     f'<td class="num step" data-value="{contribution}">{m.signed(contribution)}</td></tr>')
    lines.append(f'<tr><th>{m("total")}</th><td></td><td class="num" id="sum-total"><strong>'
                 f"{fmt_total(card.row.total)}</strong></td></tr>")
    return (f'<div class="scroll"><table class="steps"><thead><tr><th>{m("component")}</th>'
            f'<th class="num">{m("weight")} × {m("score")}</th><th class="num">{m("contribution")}</th></tr>'
            f"</thead><tbody>{''.join(lines)}</tbody></table></div>")


def _missing_text(m: Messages, item: str) -> str:
    kind, _, what = item.partition(":")
    if kind == "indicator":
        return m("missing_indicator", what=what)
    if kind == "component":
        return m("missing_component", what=m.component(what))
    return item


def card_html(card: ScoreCard, ctx: Ctx | None = None, *, explanation: dict | None = None,
              explanation_error: str = "", trend=(), components: list[ComponentInfo] | None = None,
              group_name: str = "", plan_name: str = "", indicator_names: dict[str, str] | None = None) -> str:
    """One unit's score card: facts, the sum step by step, every input from scoring's explanation, the trend."""
    ctx = ctx or Ctx(Messages("zh-CN"))
    m = ctx.m
    r = card.row
    name = r.unit_name or r.unit_id
    title = m("card_title", unit=name, period=m.period(card.period))
    page = f"/dashboard/{_q(card.plan_id)}/{_q(card.period)}"
    api = f"/v1/plans/{_q(card.plan_id)}/periods/{_q(card.period)}/units/{_q(r.unit_id)}"
    status = (m("provisional") if card.provisional
              else m("graded", version=card.snapshot_version, at=ctx.time(card.graded_at))) + \
        f" · {m.status(r.status)}"
    rank = f"{r.rank} / {card.group_size}" if r.rank is not None else f"— / {card.group_size}"
    se = "—" if card.survey_se is None else m.number(card.survey_se)
    facts = [(m("unit"), f"{escape(name)}<span class=\"uid\">{escape(r.unit_id)}</span>{_award_tag(m, r)}"),
             (m("group"), escape(group_name or r.group_name or r.group or m("ungrouped"))),
             (m("status"), escape(status)),
             (m("total"), f'<strong id="card-total">{fmt_total(r.total)}</strong>'),
             (m("grade"), escape(m.grade(r.grade, r.grade_label)) or "—"),
             (m("rank_in_group"), f"{rank}{_veto_tag(m, r)}"),
             (m("survey_se"), f'{se}<br><span class="meta">{escape(m("survey_se_help"))}</span>'),
             (m("veto"), escape(_veto_text(m, r.veto_categories)) if r.vetoed else m("no")),
             (m("award"), m("yes") if r.award_eligible else m("no"))]
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
    comps = components or [ComponentInfo(k, "penalty" if k == "inspection" else "indicators")
                           for k in card.components]
    parts = "".join(
        f'<tr><td>{_component_head(m, c)}</td>'
        + (f'<td class="num neg">{m.deduction(card.components.get(c.key))}</td>' if c.type == "penalty"
           else f'<td class="num">{m.number(card.components.get(c.key))}</td>')
        + f'<td class="num">{m.number(c.weight) if c.weight is not None else "—"}</td></tr>'
        for c in comps)
    steps = sum_steps_html(ctx, explanation, r.total) if explanation else _simple_steps(ctx, card, comps)
    detail = explanation_html(ctx, explanation, indicator_names) if explanation else \
        f'<p class="meta">{escape(explanation_error or m("explanation_off"))}</p>'
    missing = "".join(f'<li>{escape(_missing_text(m, item))}<span class="uid">{escape(item)}</span></li>'
                      for item in card.missing) or \
        f"<li>{m('missing_none')}</li>"
    trend_html = charts.line_chart(m("trend"), list(trend), chart_id="trend-chart") if trend else \
        f'<p class="meta">{m("trend_none")}</p>'
    body = (f"<h1>{escape(title)}</h1>\n<p class=\"meta\">{escape(plan_name or card.plan_id)}</p>\n"
            f'<p class="meta"><a href="{ctx.href(page)}">{m("back")}</a> · <a href="{ctx.href(api)}">{m("json")}</a>'
            f' · <a href="{ctx.href(api + "/card.xlsx")}">Excel</a></p>\n'
            f'<section class="card"><div class="scroll"><table>{rows}</table></div></section>\n'
            f'<section class="card"><h2>{m("component")}</h2><div class="scroll"><table><thead><tr>'
            f'<th>{m("component")}</th><th class="num">{m("score")}</th><th class="num">{m("weight")}</th></tr>'
            f"</thead><tbody>{parts}</tbody></table></div></section>\n"
            f'<section class="card"><h2>{m("sum_steps")}</h2>{steps}</section>\n'
            f'<section class="card"><h2>{m("explanation")}</h2>{detail}</section>\n'
            f'<section class="card"><h2>{m("missing")} <span class="meta">{len(card.missing)}</span></h2>'
            f"<ul>{missing}</ul></section>\n"
            f'<section class="card"><h2>{m("trend")}</h2>{trend_html}</section>')
    return _page(ctx, title, body)


def index_html(periods: list[PeriodState], ctx: Ctx | None = None, plan_names: dict[str, str] | None = None) -> str:
    """Every (plan, period) the read model knows, with links."""
    ctx = ctx or Ctx(Messages("zh-CN"))
    m = ctx.m
    plans: dict[str, list[PeriodState]] = {}
    for p in periods:
        plans.setdefault(p.plan_id, []).append(p)
    parts = []
    for plan_id, items in plans.items():
        lis = []
        for p in items:
            state = (m("graded", version=p.current_snapshot, at=ctx.time(p.graded_at))
                     if p.current_snapshot is not None else m("status_provisional"))
            lis.append(f'<li><a href="{ctx.href(f"/dashboard/{_q(plan_id)}/{_q(p.period)}")}">{escape(m.period(p.period))}</a> '
                       f'<span class="meta">{escape(state)}</span></li>')
        name = (plan_names or {}).get(plan_id) or plan_id
        parts.append(f'<section class="card"><h2>{escape(name)} <span class="uid">{escape(plan_id)}</span></h2>'
                     f'<ul class="links">{"".join(lis)}</ul></section>')
    body = f"<h1>{m('site')}</h1>\n" + ("\n".join(parts) or f"<p>{m('no_data')}</p>")
    return _page(ctx, m("site"), body)


# -- the public notice (公示) ------------------------------------------------------------------------

def notice_html(notice: Notice, objections: list[Objection], ctx: Ctx, *, is_open: bool, may_answer: bool,
                earlier: list[Objection] = ()) -> str:
    """The printable notice of one snapshot, rendered only from its frozen content (byte-identical when
    reopened while nobody objects), then the objection tally and forms. The latest notice and its version
    URL are the same page (its links name the version)."""
    ctx = replace(ctx, path=f"/notice/{_q(notice.plan_id)}/{_q(notice.period)}/v{notice.snapshot_version}")
    m = ctx.m
    doc = json.loads(notice.content)
    title = m("notice_title", plan=doc["plan_name"], period=m.period(doc["period"]))
    comps = [ComponentInfo(k, t) for k, t in doc.get("components", [])]
    head = "".join(f'<th class="num">{_component_head(m, c)}</th>' for c in comps)
    groups = []
    for g in doc["groups"]:
        rows = []
        for r in g["rows"]:
            row = RankingRow(rank=r["rank"], unit_id=r["unit"], unit_name=r["name"], group=g["group"],
                             total=_dec(r["total"]), grade=r["grade"], grade_label=r["grade_label"],
                             vetoed=r["vetoed"], award_eligible=r["award_eligible"], status=r["status"],
                             components={k: Decimal(v) for k, v in r["components"].items()},
                             veto_categories=tuple(r["veto_categories"]))
            rows.append(_row_html(ctx, row, comps, None))
        groups.append(f'<section class="card"><h2>{escape(g["name"])}</h2><div class="scroll"><table><thead><tr>'
                      f'<th>{m("rank")}</th><th>{m("unit")}</th>{head}<th class="num">{m("total")}</th>'
                      f'<th>{m("grade")}</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>')
    names = {r["unit"]: (r["name"] or r["unit"], r["grade"], r["grade_label"])
             for g in doc["groups"] for r in g["rows"]}
    rewards = doc.get("rewards", {})

    def roster(ids: list[str]) -> str:
        if not ids:
            return f"<p>{m('none')}</p>"
        items = []
        for u in ids:
            name, grade, label = names[u]
            reward = f" · {m('reward_level')}：{escape(rewards[grade])}" if grade in rewards else ""
            items.append(f"<li>{escape(name)}（{escape(m.grade(grade, label))}）{reward}</li>")
        return f"<ul>{''.join(items)}</ul>"

    period_text = m("notice_period_text", start=m.day(doc["published_on"]), days=doc["notice_days"],
                    end=m.day(doc["ends_on"]))
    graded_at = ctx.time(datetime.fromisoformat(doc["graded_at"])) if doc["graded_at"] else "—"
    frozen = (f"<h1>{escape(title)}</h1>\n"
              f'<p class="meta">{escape(m("graded", version=doc["snapshot_version"], at=graded_at))}'
              f'{escape(m("closed_by", who=doc["closed_by"])) if doc["closed_by"] else ""}</p>\n'
              f'<p><strong>{m("notice_period")}</strong>：{escape(period_text)}</p>\n'
              f"{''.join(groups)}\n"
              f'<section class="card"><h2>{m("award_list")}</h2>{roster(doc["awards"])}</section>\n'
              f'<section class="card"><h2>{m("criticism_list")}</h2>{roster(doc["criticism"])}</section>\n'
              f'<section class="card"><h2>{m("notice_hash")}</h2><p class="hash" id="notice-hash">{escape(doc["sha256"])}</p>'
              f'<p class="meta">{escape(m("notice_hash_help"))}</p></section>\n')
    answered = sum(1 for o in objections if o.answer)
    state = m("notice_open") if is_open else m("notice_closed", end=m.day(doc["ends_on"]))
    items = []
    for o in objections:
        unit = names.get(o.unit_id, (o.unit_id,))[0]
        answer = (f"<p><strong>{m('objection_answer')}</strong>：{escape(o.answer)} "
                  f'<span class="meta">{escape(m("answered_by", who=o.answered_by, at=ctx.time(o.answered_at)))}</span></p>'
                  if o.answer else f'<p class="meta">{m("not_answered")}</p>')
        form = ""
        if may_answer:
            form = (f'<form method="post" action="{ctx.href(f"/notice/objections/{_q(o.id)}/answer")}">'
                    f'<textarea name="answer" required maxlength="2000"></textarea>'
                    f'<button type="submit">{m("objection_answer")}</button></form>')
        items.append(f'<li class="objection" id="objection-{escape(o.id)}"><p><strong>{escape(unit)}</strong>：'
                     f'{escape(o.text)} <span class="meta">{escape(m("objection_by", who=o.filed_by, at=ctx.time(o.filed_at)))}'
                     f"</span></p>{answer}{form}</li>")
    file_form = ""
    if is_open:
        options = "".join(f'<option value="{escape(u)}">{escape(n[0])}</option>' for u, n in names.items())
        action = ctx.href(f"/notice/{_q(notice.plan_id)}/{_q(notice.period)}/v{notice.snapshot_version}/objections")
        file_form = (f'<form method="post" action="{action}" class="noprint"><h3>{m("objection_file")}</h3>'
                     f'<select name="unit">{options}</select><textarea name="text" required maxlength="2000" '
                     f'aria-label="{m("objection_text")}"></textarea><button type="submit">{m("objection_submit")}'
                     f"</button></form>")
    before = ""
    if earlier:
        lis = "".join(
            f'<li><a href="{ctx.href(f"/notice/{_q(o.plan_id)}/{_q(o.period)}/v{o.snapshot_version}")}#objection-{escape(o.id)}">'
            f'{m("notice_v", version=o.snapshot_version)}</a>：{escape(names.get(o.unit_id, (o.unit_id,))[0])} — '
            f'{escape(o.text)}{"（" + m("objection_answer") + "：" + escape(o.answer) + "）" if o.answer else ""}</li>'
            for o in earlier)
        before = f'<h3>{m("objections_before")}</h3><ul class="earlier">{lis}</ul>'
    live = (f'<section class="card" id="objections"><h2>{m("objections")}</h2>'
            f'<p id="objection-count">{escape(m("objections_count", filed=len(objections), answered=answered))}</p>'
            f'<p class="meta">{escape(state)}</p><ul>{"".join(items)}</ul>{file_form}{before}</section>')
    return _page(ctx, title, frozen + live)


# -- the commendation and criticism lists ------------------------------------------------------------

def list_html(kind: str, view: RankingView, rows: list[RankingRow], ctx: Ctx) -> str:
    """通报表彰 or 通报批评 as a printable page (with its xlsx link)."""
    m = ctx.m
    title = m(f"{kind}_title", plan=_plan_title(view), period=m.period(view.period))
    rewards = view.info.rewards
    lines = "".join(
        f"<tr><td>{escape(r.unit_name or r.unit_id)}<span class=\"uid\">{escape(r.unit_id)}</span></td>"
        f"<td>{escape(r.group_name or r.group)}</td><td class=\"num\">{r.rank or '—'}</td>"
        f'<td class="num">{fmt_total(r.total)}</td><td>{escape(m.grade(r.grade, r.grade_label))}</td>'
        f"<td>{escape(rewards.get(r.grade or '', ''))}</td></tr>" for r in rows)
    xlsx = ctx.href(f"/v1/plans/{_q(view.plan_id)}/periods/{_q(view.period)}/lists/{kind}.xlsx", lang=m.lang)
    body = (f"<h1>{escape(title)}</h1>\n<p class=\"meta\">{escape(_status_line(ctx, view))}</p>\n"
            f'<p class="meta"><a href="{ctx.href(f"/dashboard/{_q(view.plan_id)}/{_q(view.period)}")}">{m("back")}</a>'
            f' · <a href="{xlsx}">Excel</a></p>\n'
            + (f'<section class="card"><div class="scroll"><table id="{kind}"><thead><tr><th>{m("unit")}</th>'
               f'<th>{m("group")}</th><th class="num">{m("rank")}</th><th class="num">{m("total")}</th>'
               f'<th>{m("grade")}</th><th>{m("reward_level")}</th></tr></thead><tbody>{lines}</tbody></table></div>'
               f"</section>" if rows else f"<p>{m('none')}</p>"))
    return _page(ctx, title, body)


# -- the annual evaluation report (HTML, printed to PDF) -------------------------------------------

def annual_report_html(view: RankingView, ctx: Ctx, *, notice: Notice | None, generated_at: datetime,
                       for_pdf: bool = False) -> str:
    """绩效评估工作报告: summary, grade distribution with its chart, rankings per group, vetoes, the award
    and criticism lists, the three weakest components county-wide, the notice's checksum."""
    m = ctx.m
    title = m("report_title", plan=_plan_title(view), period=m.period(view.period))
    rows = view.rows
    graded = sum(1 for r in rows if r.grade)
    summary = m("report_summary_text", units=len(rows), graded=graded, vetoed=sum(1 for r in rows if r.vetoed),
                eligible=sum(1 for r in rows if r.award_eligible))
    dist = "".join(f"<tr><td>{escape(m.grade(c, label))}</td><td class=\"num\">{n}</td></tr>"
                   for c, label, n in rules.grade_counts(view))
    groups = "".join(f'<h3>{escape(g.name or g.group)}</h3>{ranking_table(ctx, view, g, None)}' for g in view.groups)
    vetoed = [r for r in rows if r.vetoed]
    veto_list = "".join(f"<li>{escape(r.unit_name or r.unit_id)}（{escape(r.group_name or r.group)}，"
                        f"{m('rank')} {r.rank or '—'}）{escape(_veto_text(m, r.veto_categories))}</li>"
                        for r in vetoed) or f"<li>{m('none')}</li>"

    def roster(items: list[RankingRow]) -> str:
        return "".join(f"<li>{escape(r.unit_name or r.unit_id)}（{escape(m.grade(r.grade, r.grade_label))}"
                       f"，{fmt_total(r.total)}）</li>" for r in items) or f"<li>{m('none')}</li>"

    improve = "".join(f"<li>{escape(m('report_improve_item', name=m.component(c.key), avg=m.number(avg), n=n))}</li>"
                      for c, avg, n in rules.weakest_components(view)) or f"<li>{m('none')}</li>"
    hash_text = escape(notice.sha256) if notice else "—"
    links = "" if for_pdf else (
        f'<p class="meta noprint"><a href="{ctx.href(f"/dashboard/{_q(view.plan_id)}/{_q(view.period)}")}">'
        f'{m("back")}</a> · <a href="{escape(f"/reports/{_q(view.plan_id)}/{_q(view.period)}/annual-report-{m.lang}.pdf")}">'
        f'{m("annual_report_pdf")}</a></p>')
    body = (f"<h1>{escape(title)}</h1>\n{links}"
            f'<p class="meta">{escape(_status_line(ctx, view))} · {escape(m("generated_at", at=ctx.time(generated_at)))}</p>\n'
            f"<h2>{m('report_summary')}</h2><p>{escape(summary)}</p>\n"
            f"<h2>{m('report_distribution')}</h2>{grade_chart(ctx, view)}"
            f'<table><thead><tr><th>{m("grade")}</th><th class="num">{m("unit_count")}</th></tr></thead>'
            f"<tbody>{dist}</tbody></table>\n{component_chart(ctx, view)}\n"
            f"<h2>{m('report_rankings')}</h2>{groups}\n"
            f"<h2>{m('report_vetoes')}</h2><ul>{veto_list}</ul>\n"
            f"<h2>{m('report_lists')}</h2><h3>{m('commendation')}</h3><ul>{roster(rules.commendation(view))}</ul>"
            f"<h3>{m('criticism')}</h3><ul>{roster(rules.criticism(view))}</ul>\n"
            f"<h2>{m('report_improve')}</h2><ul>{improve}</ul>\n"
            f"<h2>{m('report_hash')}</h2><p class=\"hash\">{hash_text}</p><p class=\"meta\">{escape(m('notice_hash_help'))}</p>")
    return _page(ctx, title, body, nav=not for_pdf, pdf=for_pdf)


# -- the annual report (Markdown) -------------------------------------------------------------

def _md(text: str) -> str:
    """Escape what Markdown tables and emphasis would misread."""
    for ch in "\\|*_`[]<>#":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _unit_md(row: RankingRow) -> str:
    return f"{_md(row.unit_name)}（{_md(row.unit_id)}）" if row.unit_name else _md(row.unit_id)


def fmt_time(at: datetime | None, zone: ZoneInfo = SHANGHAI) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z") if at else "—"


def annual_report_md(view: RankingView, generated_at: datetime, zone: ZoneInfo = SHANGHAI) -> str:
    """年度绩效考评报告: counts per grade per group, top 3, vetoed and not award-eligible units."""
    lines = [f"# {_md(view.plan_name or view.plan_id)} 年度绩效考评报告", ""]
    lines += [f"- 方案 Plan: `{view.plan_id}`", f"- 考评期 Period: `{view.period}`",
              f"- 定级快照 Snapshot: v{view.snapshot_version}",
              f"- 定级时间 Graded at: {fmt_time(view.graded_at, zone)}"]
    if view.closed_by:
        lines.append(f"- 定级人 Closed by: {_md(view.closed_by)}")
    lines += [f"- 生成时间 Generated at: {fmt_time(generated_at, zone)}",
              f"- 复现 Reproduce: `GET /v1/plans/{_q(view.plan_id)}/periods/{_q(view.period)}"
              f"/annual-report?snapshot={view.snapshot_version}`", ""]

    lines += ["## 一、等级分布 Grade distribution", ""]
    for g in view.groups:
        header = [label for _c, label, _n in g.distribution] + (["未定级"] if g.ungraded else [])
        counts = [str(n) for _c, _l, n in g.distribution] + ([str(g.ungraded)] if g.ungraded else [])
        lines += [f"### {_md(g.name or g.group or '（未分组）')}（{len(g.rows)} 个单位）", "",
                  "| " + " | ".join(["等级"] + [_md(h) for h in header]) + " |",
                  "|" + "---|" * (len(header) + 1),
                  "| " + " | ".join(["单位数"] + counts) + " |", ""]

    lines += ["## 二、各组前三名 Top 3", ""]
    for g in view.groups:
        lines += [f"### {_md(g.name or g.group or '（未分组）')}", "", "| 名次 | 单位 | 总分 | 等级 |", "|---|---|---|---|"]
        best = rules.top(g.rows)
        lines += [f"| {r.rank} | {_unit_md(r)}{'（一票否决）' if r.vetoed else ''} | {fmt_total(r.total)} | "
                  f"{_md(r.grade_label) or '—'} |" for r in best] or ["| — | — | — | — |"]
        lines.append("")

    lines += ["## 三、一票否决单位 Vetoed units", ""]
    vetoed = [r for r in view.rows if r.vetoed]
    lines += [f"- {_unit_md(r)}（{_md(r.group_name or r.group)}，名次 {r.rank if r.rank is not None else '—'}，"
              f"总分 {fmt_total(r.total)}）" for r in vetoed] or ["无。"]
    lines.append("")

    lines += ["## 四、不具备评先资格单位 Not award-eligible", ""]
    not_eligible = [r for r in view.rows if not r.award_eligible]
    lines += [f"- {_unit_md(r)}（{_md(r.group_name or r.group)}，{_md(r.grade_label) or '未定级'}"
              f"{'，一票否决' if r.vetoed else ''}）" for r in not_eligible] or ["无。"]
    lines.append("")
    return "\n".join(lines)

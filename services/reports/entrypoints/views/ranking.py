"""The dashboard, the ranking tables and the index of periods."""

from __future__ import annotations

from html import escape

from services.reports.domain import rules
from services.reports.domain.model import (
    GroupRanking,
    PeriodState,
    RankingView,
)
from services.reports.entrypoints import charts
from services.reports.entrypoints.i18n import Messages

from .common import (
    Ctx,
    component_head,
    fmt_total,
    page_html,
    plan_components,
    plan_title,
    quote_part,
    row_html,
    status_line,
    unit_cell,
)


def ranking_table(ctx: Ctx, view: RankingView, group: GroupRanking, page: str | None) -> str:
    m = ctx.m
    comps = plan_components(view)
    head = "".join(f'<th class="num">{component_head(m, c)}</th>' for c in comps)
    rows = "\n".join(row_html(ctx, r, comps, page) for r in group.rows)
    return (
        f'<div class="scroll"><table><thead><tr><th>{m("rank")}</th><th>{m("unit")}</th>{head}'
        f'<th class="num">{m("total")}</th><th>{m("grade")}</th></tr></thead><tbody>\n{rows}\n'
        f"</tbody></table></div>"
    )


def _group_html(ctx: Ctx, view: RankingView, group: GroupRanking, page: str) -> str:
    m = ctx.m
    dist = "".join(f"<li>{escape(m.grade(code, label))} {count}</li>" for code, label, count in group.distribution)
    if group.ungraded:
        dist += f"<li>{m('ungraded')} {group.ungraded}</li>"
    title = group.name or group.group or m("ungrouped")
    return (
        f'<section class="card group" data-group="{escape(group.group)}"><h2>{escape(title)}'
        f' <span class="meta">{m("units_count", n=len(group.rows))}</span></h2>'
        f'<ul class="dist" aria-label="{m("grade_distribution")}">{dist}</ul>'
        f"{ranking_table(ctx, view, group, page)}</section>"
    )


def grade_chart(ctx: Ctx, view: RankingView) -> str:
    m = ctx.m
    counts = rules.grade_counts(view)
    return charts.bar_chart(
        m("grade_distribution"), [(m.grade(c, label), n, str(n)) for c, label, n in counts], chart_id="grade-chart"
    )


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
    plan, period = quote_part(view.plan_id), quote_part(view.period)
    api = f"/v1/plans/{plan}/periods/{period}"
    items = [(ctx.href(f"{api}/rankings"), m("json")), (ctx.href(f"{api}/export.xlsx", lang=ctx.m.lang), m("xlsx"))]
    if not view.provisional:
        items = [
            (ctx.href(f"/notice/{plan}/{period}"), m("notice")),
            (ctx.href(f"/lists/{plan}/{period}/commendation"), m("commendation")),
            (ctx.href(f"/lists/{plan}/{period}/criticism"), m("criticism")),
            *items,
            (ctx.href(f"/reports/{plan}/{period}/annual-report"), m("annual_report")),
            (escape(f"/reports/{plan}/{period}/annual-report-{m.lang}.pdf"), m("annual_report_pdf")),
            (ctx.href(f"{api}/annual-report"), m("annual_report_md")),
        ]
    return '<p class="meta links">' + " · ".join(f'<a href="{h}">{escape(t)}</a>' for h, t in items) + "</p>"


def dashboard_html(
    view: RankingView, ctx: Ctx | None = None, *, movers=(), previous: int | None = None, notices=()
) -> str:
    """One (plan, period): per group its ranking with component scores, charts, movers, links."""
    ctx = ctx or Ctx(Messages("zh-CN"))
    m = ctx.m
    title = m("ranking_title", plan=plan_title(view), period=m.period(view.period))
    banner = (
        f'<p class="banner">{escape(status_line(ctx, view))}</p>'
        if view.provisional
        else f'<p class="meta">{escape(status_line(ctx, view))}</p>'
    )
    page = f"/dashboard/{quote_part(view.plan_id)}/{quote_part(view.period)}"
    groups = "\n".join(_group_html(ctx, view, g, page) for g in view.groups) or f"<p>{m('no_data')}</p>"
    chart_box = (
        (
            f'<section class="card charts"><div>{grade_chart(ctx, view)}</div>'
            f"<div>{component_chart(ctx, view)}</div></section>"
        )
        if view.rows
        else ""
    )
    moved = ""
    if not view.provisional:
        if previous is None:
            text = f'<p class="meta">{m("movers_none")}</p>'
        elif not movers:
            text = f'<p class="meta">{m("movers_same", version=previous)}</p>'
        else:
            lines = "".join(
                f"<tr><td>{unit_cell(ctx, r, page)}</td><td>{escape(r.group_name or r.group)}</td>"
                f'<td class="num">{fmt_total(old)}</td><td class="num">{fmt_total(r.total)}</td>'
                f'<td class="num">{m.signed(delta)}</td></tr>'
                for r, old, delta in movers
            )
            text = (
                f'<div class="scroll"><table><thead><tr><th>{m("unit")}</th><th>{m("group")}</th>'
                f'<th class="num">{m("before")}</th><th class="num">{m("total")}</th>'
                f'<th class="num">{m("change")}</th></tr></thead><tbody>{lines}</tbody></table></div>'
            )
        moved = f'<section class="card"><h2>{m("movers")}</h2>{text}</section>'
    older = [v for v in notices if v != view.snapshot_version]
    versions = ""
    if older:
        versions = (
            '<p class="meta">'
            + m("other_versions")
            + " ".join(
                f'<a href="{ctx.href(f"/notice/{quote_part(view.plan_id)}/{quote_part(view.period)}/v{v}")}">'
                f"{m('notice_v', version=v)}</a>"
                for v in older
            )
            + "</p>"
        )
    body = f"<h1>{escape(title)}</h1>\n{banner}\n{_links(ctx, view)}\n{versions}\n{chart_box}\n{moved}\n{groups}"
    return page_html(ctx, title, body)


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
            state = (
                m("graded", version=p.current_snapshot, at=ctx.time(p.graded_at))
                if p.current_snapshot is not None
                else m("status_provisional")
            )
            lis.append(
                f'<li><a href="{ctx.href(f"/dashboard/{quote_part(plan_id)}/{quote_part(p.period)}")}">{escape(m.period(p.period))}</a> '
                f'<span class="meta">{escape(state)}</span></li>'
            )
        name = (plan_names or {}).get(plan_id) or plan_id
        parts.append(
            f'<section class="card"><h2>{escape(name)} <span class="uid">{escape(plan_id)}</span></h2>'
            f'<ul class="links">{"".join(lis)}</ul></section>'
        )
    body = f"<h1>{m('site')}</h1>\n" + ("\n".join(parts) or f"<p>{m('no_data')}</p>")
    return page_html(ctx, m("site"), body)

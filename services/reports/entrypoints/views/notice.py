"""The public notice (公示) with its objections, the commendation and criticism lists, the annual report."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

from services.reports.domain import rules
from services.reports.domain.model import (
    ComponentInfo,
    Notice,
    Objection,
    RankingRow,
    RankingView,
)

from .card import as_decimal
from .common import (
    SHANGHAI,
    Ctx,
    component_head,
    fmt_time,
    fmt_total,
    page_html,
    plan_title,
    quote_part,
    row_html,
    status_line,
    veto_text,
)
from .ranking import component_chart, grade_chart, ranking_table


def notice_html(
    notice: Notice,
    objections: list[Objection],
    ctx: Ctx,
    *,
    is_open: bool,
    may_answer: bool,
    earlier: list[Objection] = (),
    rescored: dict[str, int] | None = None,
) -> str:
    """The printable notice of one snapshot, rendered only from its frozen content (byte-identical when
    reopened while nobody objects), then the objection tally and forms. The latest notice and its version
    URL are the same page (its links name the version)."""
    ctx = replace(
        ctx, path=f"/notice/{quote_part(notice.plan_id)}/{quote_part(notice.period)}/v{notice.snapshot_version}"
    )
    m = ctx.m
    doc = json.loads(notice.content)
    title = m("notice_title", plan=doc["plan_name"], period=m.period(doc["period"]))
    comps = [ComponentInfo(k, t) for k, t in doc.get("components", [])]
    head = "".join(f'<th class="num">{component_head(m, c)}</th>' for c in comps)
    groups = []
    for g in doc["groups"]:
        rows = []
        for r in g["rows"]:
            row = RankingRow(
                rank=r["rank"],
                unit_id=r["unit"],
                unit_name=r["name"],
                group=g["group"],
                total=as_decimal(r["total"]),
                grade=r["grade"],
                grade_label=r["grade_label"],
                vetoed=r["vetoed"],
                award_eligible=r["award_eligible"],
                status=r["status"],
                components={k: Decimal(v) for k, v in r["components"].items()},
                veto_categories=tuple(r["veto_categories"]),
            )
            rows.append(row_html(ctx, row, comps, None))
        groups.append(
            f'<section class="card"><h2>{escape(g["name"])}</h2><div class="scroll"><table><thead><tr>'
            f'<th>{m("rank")}</th><th>{m("unit")}</th>{head}<th class="num">{m("total")}</th>'
            f"<th>{m('grade')}</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
        )
    names = {
        r["unit"]: (r["name"] or r["unit"], r["grade"], r["grade_label"]) for g in doc["groups"] for r in g["rows"]
    }
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

    period_text = m(
        "notice_period_text", start=m.day(doc["published_on"]), days=doc["notice_days"], end=m.day(doc["ends_on"])
    )
    graded_at = ctx.time(datetime.fromisoformat(doc["graded_at"])) if doc["graded_at"] else "—"
    hash_help = "notice_hash_help_scoring" if doc.get("sha256_by") == "scoring" else "notice_hash_help"
    base = f"/notice/{quote_part(notice.plan_id)}/{quote_part(notice.period)}"
    followed = []
    for o in doc.get("rescored_after_objections", []):  # frozen: the re-score that made this version
        target = f"{base}/v{o['version']}" if o.get("version") else ""
        label = escape(m("objection_ref", id=o["id"]))
        link = f'<a href="{ctx.href(target)}#objection-{escape(o["id"])}">{label}</a>' if target else label
        unit = names.get(o.get("unit") or "", (o.get("unit") or "",))[0]
        followed.append(f"<li>{link}{'：' + escape(unit) if unit else ''}</li>")
    rescored_html = (
        f'<section class="card" id="rescored-after"><h2>{m("rescored_after")}</h2>'
        f"<p>{escape(m('rescored_after_text', version=doc['snapshot_version']))}</p><ul>{''.join(followed)}</ul></section>\n"
        if followed
        else ""
    )
    frozen = (
        f"<h1>{escape(title)}</h1>\n"
        f'<p class="meta">{escape(m("graded", version=doc["snapshot_version"], at=graded_at))}'
        f"{escape(m('closed_by', who=doc['closed_by'])) if doc['closed_by'] else ''}</p>\n"
        f"<p><strong>{m('notice_period')}</strong>：{escape(period_text)}</p>\n"
        f"{''.join(groups)}\n"
        f'<section class="card"><h2>{m("award_list")}</h2>{roster(doc["awards"])}</section>\n'
        f'<section class="card"><h2>{m("criticism_list")}</h2>{roster(doc["criticism"])}</section>\n'
        f'<section class="card"><h2>{m("notice_hash")}</h2><p class="hash" id="notice-hash">{escape(doc["sha256"])}</p>'
        f'<p class="meta">{escape(m(hash_help))}</p></section>\n'
        f"{rescored_html}"
    )
    answered = sum(1 for o in objections if o.answer)
    state = m("notice_open") if is_open else m("notice_closed", end=m.day(doc["ends_on"]))
    items = []
    for o in objections:
        unit = names.get(o.unit_id, (o.unit_id,))[0]
        answer = (
            f"<p><strong>{m('objection_answer')}</strong>：{escape(o.answer)} "
            f'<span class="meta">{escape(m("answered_by", who=o.answered_by, at=ctx.time(o.answered_at)))}</span></p>'
            if o.answer
            else f'<p class="meta">{m("not_answered")}</p>'
        )
        form = ""
        if may_answer:
            form = (
                f'<form method="post" action="{ctx.href(f"/notice/objections/{quote_part(o.id)}/answer")}">'
                f'<textarea name="answer" required maxlength="2000"></textarea>'
                f'<button type="submit">{m("objection_answer")}</button></form>'
            )
        version = (rescored or {}).get(o.id)
        if version is not None:  # a re-score followed it: link the notice of the version it made
            answer += (
                f'<p class="rescored"><a href="{ctx.href(f"{base}/v{version}")}#rescored-after">'
                f"{escape(m('rescored_in', version=version))}</a></p>"
            )
        items.append(
            f'<li class="objection" id="objection-{escape(o.id)}"><p><strong>{escape(unit)}</strong>：'
            f'{escape(o.text)} <span class="meta">{escape(m("objection_by", who=o.filed_by, at=ctx.time(o.filed_at)))}'
            f"</span></p>{answer}{form}</li>"
        )
    file_form = ""
    if is_open:
        options = "".join(f'<option value="{escape(u)}">{escape(n[0])}</option>' for u, n in names.items())
        action = ctx.href(
            f"/notice/{quote_part(notice.plan_id)}/{quote_part(notice.period)}/v{notice.snapshot_version}/objections"
        )
        file_form = (
            f'<form method="post" action="{action}" class="noprint"><h3>{m("objection_file")}</h3>'
            f'<select name="unit">{options}</select><textarea name="text" required maxlength="2000" '
            f'aria-label="{m("objection_text")}"></textarea><button type="submit">{m("objection_submit")}'
            f"</button></form>"
        )
    before = ""
    if earlier:
        lis = "".join(
            f'<li><a href="{ctx.href(f"/notice/{quote_part(o.plan_id)}/{quote_part(o.period)}/v{o.snapshot_version}")}#objection-{escape(o.id)}">'
            f"{m('notice_v', version=o.snapshot_version)}</a>：{escape(names.get(o.unit_id, (o.unit_id,))[0])} — "
            f"{escape(o.text)}{'（' + m('objection_answer') + '：' + escape(o.answer) + '）' if o.answer else ''}</li>"
            for o in earlier
        )
        before = f'<h3>{m("objections_before")}</h3><ul class="earlier">{lis}</ul>'
    live = (
        f'<section class="card" id="objections"><h2>{m("objections")}</h2>'
        f'<p id="objection-count">{escape(m("objections_count", filed=len(objections), answered=answered))}</p>'
        f'<p class="meta">{escape(state)}</p><ul>{"".join(items)}</ul>{file_form}{before}</section>'
    )
    return page_html(ctx, title, frozen + live)


def _persons_html(kind: str, view: RankingView, rows: list[RankingRow], persons, ctx: Ctx) -> str:
    """The persons of the list's units (docs/people.md): the eligible ones of commended units, the ones
    of criticized units who lost eligibility, with their reasons."""
    m = ctx.m
    if not persons:
        return ""
    names = {r.unit_id: r.unit_name or r.unit_id for r in rows}
    lines = "".join(
        f"<tr><td>{escape(names.get(p.unit_id, p.unit_id))}</td><td>{escape(p.name)}"
        f'<span class="uid">{escape(p.staff_id)}</span></td><td>{escape(p.position)}</td>'
        f"<td>{escape(p.reason_text) or '—'}</td></tr>"
        for p in persons
    )
    return (
        f'<section class="card"><h2>{m(f"{kind}_persons")}</h2><p class="meta">{m(f"{kind}_persons_help")}</p>'
        f'<div class="scroll"><table id="{kind}-persons"><thead><tr><th>{m("unit")}</th><th>{m("person")}</th>'
        f"<th>{m('position')}</th><th>{m('reasons')}</th></tr></thead><tbody>{lines}</tbody></table></div></section>"
    )


def list_html(kind: str, view: RankingView, rows: list[RankingRow], ctx: Ctx, persons=()) -> str:
    """通报表彰 or 通报批评 as a printable page (with its xlsx link): the units, then their persons."""
    m = ctx.m
    title = m(f"{kind}_title", plan=plan_title(view), period=m.period(view.period))
    rewards = view.info.rewards
    lines = "".join(
        f'<tr><td>{escape(r.unit_name or r.unit_id)}<span class="uid">{escape(r.unit_id)}</span></td>'
        f'<td>{escape(r.group_name or r.group)}</td><td class="num">{r.rank or "—"}</td>'
        f'<td class="num">{fmt_total(r.total)}</td><td>{escape(m.grade(r.grade, r.grade_label))}</td>'
        f"<td>{escape(rewards.get(r.grade or '', ''))}</td></tr>"
        for r in rows
    )
    xlsx = ctx.href(
        f"/v1/plans/{quote_part(view.plan_id)}/periods/{quote_part(view.period)}/lists/{kind}.xlsx", lang=m.lang
    )
    body = (
        f'<h1>{escape(title)}</h1>\n<p class="meta">{escape(status_line(ctx, view))}</p>\n'
        f'<p class="meta"><a href="{ctx.href(f"/dashboard/{quote_part(view.plan_id)}/{quote_part(view.period)}")}">{m("back")}</a>'
        f' · <a href="{xlsx}">Excel</a></p>\n'
        + (
            f'<section class="card"><div class="scroll"><table id="{kind}"><thead><tr><th>{m("unit")}</th>'
            f'<th>{m("group")}</th><th class="num">{m("rank")}</th><th class="num">{m("total")}</th>'
            f"<th>{m('grade')}</th><th>{m('reward_level')}</th></tr></thead><tbody>{lines}</tbody></table></div>"
            f"</section>"
            if rows
            else f"<p>{m('none')}</p>"
        )
        + _persons_html(kind, view, rows, persons, ctx)
    )
    return page_html(ctx, title, body)


def annual_report_html(
    view: RankingView, ctx: Ctx, *, notice: Notice | None, generated_at: datetime, for_pdf: bool = False
) -> str:
    """绩效评估工作报告: summary, grade distribution with its chart, rankings per group, vetoes, the award
    and criticism lists, the three weakest components county-wide, the notice's checksum."""
    m = ctx.m
    title = m("report_title", plan=plan_title(view), period=m.period(view.period))
    rows = view.rows
    graded = sum(1 for r in rows if r.grade)
    summary = m(
        "report_summary_text",
        units=len(rows),
        graded=graded,
        vetoed=sum(1 for r in rows if r.vetoed),
        eligible=sum(1 for r in rows if r.award_eligible),
    )
    dist = "".join(
        f'<tr><td>{escape(m.grade(c, label))}</td><td class="num">{n}</td></tr>'
        for c, label, n in rules.grade_counts(view)
    )
    groups = "".join(f"<h3>{escape(g.name or g.group)}</h3>{ranking_table(ctx, view, g, None)}" for g in view.groups)
    vetoed = [r for r in rows if r.vetoed]
    veto_list = (
        "".join(
            f"<li>{escape(r.unit_name or r.unit_id)}（{escape(r.group_name or r.group)}，"
            f"{m('rank')} {r.rank or '—'}）{escape(veto_text(m, r.veto_categories))}</li>"
            for r in vetoed
        )
        or f"<li>{m('none')}</li>"
    )

    def roster(items: list[RankingRow]) -> str:
        return (
            "".join(
                f"<li>{escape(r.unit_name or r.unit_id)}（{escape(m.grade(r.grade, r.grade_label))}"
                f"，{fmt_total(r.total)}）</li>"
                for r in items
            )
            or f"<li>{m('none')}</li>"
        )

    improve = (
        "".join(
            f"<li>{escape(m('report_improve_item', name=m.component(c.key), avg=m.number(avg), n=n))}</li>"
            for c, avg, n in rules.weakest_components(view)
        )
        or f"<li>{m('none')}</li>"
    )
    hash_text = escape(notice.sha256) if notice else "—"
    links = (
        ""
        if for_pdf
        else (
            f'<p class="meta noprint"><a href="{ctx.href(f"/dashboard/{quote_part(view.plan_id)}/{quote_part(view.period)}")}">'
            f'{m("back")}</a> · <a href="{escape(f"/reports/{quote_part(view.plan_id)}/{quote_part(view.period)}/annual-report-{m.lang}.pdf")}">'
            f"{m('annual_report_pdf')}</a></p>"
        )
    )
    body = (
        f"<h1>{escape(title)}</h1>\n{links}"
        f'<p class="meta">{escape(status_line(ctx, view))} · {escape(m("generated_at", at=ctx.time(generated_at)))}</p>\n'
        f"<h2>{m('report_summary')}</h2><p>{escape(summary)}</p>\n"
        f"<h2>{m('report_distribution')}</h2>{grade_chart(ctx, view)}"
        f'<table><thead><tr><th>{m("grade")}</th><th class="num">{m("unit_count")}</th></tr></thead>'
        f"<tbody>{dist}</tbody></table>\n{component_chart(ctx, view)}\n"
        f"<h2>{m('report_rankings')}</h2>{groups}\n"
        f"<h2>{m('report_vetoes')}</h2><ul>{veto_list}</ul>\n"
        f"<h2>{m('report_lists')}</h2><h3>{m('commendation')}</h3><ul>{roster(rules.commendation(view))}</ul>"
        f"<h3>{m('criticism')}</h3><ul>{roster(rules.criticism(view))}</ul>\n"
        f"<h2>{m('report_improve')}</h2><ul>{improve}</ul>\n"
        f'<h2>{m("report_hash")}</h2><p class="hash">{hash_text}</p><p class="meta">{escape(m("notice_hash_help"))}</p>'
    )
    return page_html(ctx, title, body, nav=not for_pdf, pdf=for_pdf)


def _md(text: str) -> str:
    """Escape what Markdown tables and emphasis would misread."""
    for ch in "\\|*_`[]<>#":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _unit_md(row: RankingRow) -> str:
    return f"{_md(row.unit_name)}（{_md(row.unit_id)}）" if row.unit_name else _md(row.unit_id)


def annual_report_md(view: RankingView, generated_at: datetime, zone: ZoneInfo = SHANGHAI) -> str:
    """年度绩效考评报告: counts per grade per group, top 3, vetoed and not award-eligible units."""
    lines = [f"# {_md(view.plan_name or view.plan_id)} 年度绩效考评报告", ""]
    lines += [
        f"- 方案 Plan: `{view.plan_id}`",
        f"- 考评期 Period: `{view.period}`",
        f"- 定级快照 Snapshot: v{view.snapshot_version}",
        f"- 定级时间 Graded at: {fmt_time(view.graded_at, zone)}",
    ]
    if view.closed_by:
        lines.append(f"- 定级人 Closed by: {_md(view.closed_by)}")
    lines += [
        f"- 生成时间 Generated at: {fmt_time(generated_at, zone)}",
        f"- 复现 Reproduce: `GET /v1/plans/{quote_part(view.plan_id)}/periods/{quote_part(view.period)}"
        f"/annual-report?snapshot={view.snapshot_version}`",
        "",
    ]

    lines += ["## 一、等级分布 Grade distribution", ""]
    for g in view.groups:
        header = [label for _c, label, _n in g.distribution] + (["未定级"] if g.ungraded else [])
        counts = [str(n) for _c, _l, n in g.distribution] + ([str(g.ungraded)] if g.ungraded else [])
        lines += [
            f"### {_md(g.name or g.group or '（未分组）')}（{len(g.rows)} 个单位）",
            "",
            "| " + " | ".join(["等级"] + [_md(h) for h in header]) + " |",
            "|" + "---|" * (len(header) + 1),
            "| " + " | ".join(["单位数"] + counts) + " |",
            "",
        ]

    lines += ["## 二、各组前三名 Top 3", ""]
    for g in view.groups:
        lines += [
            f"### {_md(g.name or g.group or '（未分组）')}",
            "",
            "| 名次 | 单位 | 总分 | 等级 |",
            "|---|---|---|---|",
        ]
        best = rules.top(g.rows)
        lines += [
            f"| {r.rank} | {_unit_md(r)}{'（一票否决）' if r.vetoed else ''} | {fmt_total(r.total)} | "
            f"{_md(r.grade_label) or '—'} |"
            for r in best
        ] or ["| — | — | — | — |"]
        lines.append("")

    lines += ["## 三、一票否决单位 Vetoed units", ""]
    vetoed = [r for r in view.rows if r.vetoed]
    lines += [
        f"- {_unit_md(r)}（{_md(r.group_name or r.group)}，名次 {r.rank if r.rank is not None else '—'}，"
        f"总分 {fmt_total(r.total)}）"
        for r in vetoed
    ] or ["无。"]
    lines.append("")

    lines += ["## 四、不具备评先资格单位 Not award-eligible", ""]
    not_eligible = [r for r in view.rows if not r.award_eligible]
    lines += [
        f"- {_unit_md(r)}（{_md(r.group_name or r.group)}，{_md(r.grade_label) or '未定级'}"
        f"{'，一票否决' if r.vetoed else ''}）"
        for r in not_eligible
    ] or ["无。"]
    lines.append("")
    return "\n".join(lines)

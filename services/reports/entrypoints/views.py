"""Server-rendered pages and the annual report: plain strings, escaped, no JS, inline CSS."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from html import escape
from urllib.parse import quote

from services.reports.domain.model import GroupRanking, PeriodState, RankingRow, RankingView, ScoreCard
from services.reports.domain.rules import top

VETO = "一票否决"
AWARD = "可评先"
# Display names of the seed plans' component keys (a plan's own keys are shown as they are).
COMPONENTS = {"indicators": "指标考核", "survey": "公众评议", "inspection": "察访核验"}

_CSS = """
*{box-sizing:border-box}
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
 margin:0;padding:12px;color:#1f2328;background:#f6f8fa;line-height:1.5}
h1{font-size:1.3rem;margin:.2rem 0 .6rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
.meta{color:#57606a;font-size:.9rem}
.banner{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem .75rem;border-radius:6px;margin:.5rem 0}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:.6rem;margin:.8rem 0}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;min-width:22rem;font-size:.95rem}
th,td{padding:.35rem .5rem;border-bottom:1px solid #eaeef2;text-align:left;white-space:nowrap}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.vetoed td{background:#fff0f0}
.tag{display:inline-block;font-size:.75rem;padding:0 .35rem;border-radius:4px;margin-left:.25rem}
.veto{background:#cf222e;color:#fff}.award{background:#1a7f37;color:#fff}
.grade-excellent{color:#1a7f37;font-weight:600}.grade-poor,.grade-fail{color:#cf222e}
.dist{display:flex;flex-wrap:wrap;gap:.4rem;margin:.4rem 0;padding:0;list-style:none}
.dist li{background:#f6f8fa;border:1px solid #d0d7de;border-radius:12px;padding:0 .6rem;font-size:.9rem}
.uid{color:#57606a;font-size:.8rem;margin-left:.25rem}
a{color:#0969da}ul.links{padding-left:1.2rem}
@media (max-width:480px){body{padding:8px}th,td{padding:.3rem}}
"""


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def _q(text: str) -> str:
    return quote(text, safe="")


def fmt_total(total: Decimal | None) -> str:
    return "—" if total is None else f"{total:.2f}"


def fmt_time(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else "—"


def _status_line(view: RankingView) -> str:
    if view.provisional:
        return "暂定成绩（尚未定级，名次按当前总分计算） / provisional"
    by = f"，定级人 {view.closed_by}" if view.closed_by else ""
    return f"定级快照 v{view.snapshot_version}，{fmt_time(view.graded_at)}{by}"


def _tags(row: RankingRow) -> str:
    tags = ""
    if row.vetoed:
        tags += f'<span class="tag veto">{VETO}</span>'
    if row.award_eligible:
        tags += f'<span class="tag award">{AWARD}</span>'
    return tags


def _row_html(row: RankingRow, page: str) -> str:
    tags = _tags(row)
    name = escape(row.unit_name) + f'<span class="uid">{escape(row.unit_id)}</span>' if row.unit_name \
        else escape(row.unit_id)
    name = f'<a href="{page}/{_q(row.unit_id)}">{name}</a>'
    grade_cls = f' class="grade-{escape(row.grade)}"' if row.grade else ""
    tr = '<tr class="vetoed">' if row.vetoed else "<tr>"
    return (f"{tr}"
            f'<td class="num">{row.rank if row.rank is not None else "—"}</td>'
            f"<td>{name}{tags}</td>"
            f'<td class="num">{fmt_total(row.total)}</td>'
            f"<td{grade_cls}>{escape(row.grade_label) or '—'}</td></tr>")


def _group_html(group: GroupRanking, page: str) -> str:
    dist = "".join(f"<li>{escape(label)} {count}</li>" for _code, label, count in group.distribution)
    if group.ungraded:
        dist += f"<li>未定级 {group.ungraded}</li>"
    rows = "\n".join(_row_html(r, page) for r in group.rows)
    return (f'<section class="card"><h2>{escape(group.group or "（未分组）")}'
            f' <span class="meta">{len(group.rows)} 个单位</span></h2>'
            f'<ul class="dist" aria-label="等级分布">{dist}</ul>'
            f'<div class="scroll"><table><thead><tr><th>名次</th><th>单位</th><th>总分</th><th>等级</th>'
            f"</tr></thead><tbody>\n{rows}\n</tbody></table></div></section>")


def dashboard_html(view: RankingView) -> str:
    """One (plan, period): per ranking group a table, the grade distribution, vetoes and awards."""
    title = f"{view.plan_id} · {view.period} 绩效考评排名"
    base = f"/v1/plans/{_q(view.plan_id)}/periods/{_q(view.period)}"
    banner = f'<p class="banner">{escape(_status_line(view))}</p>' if view.provisional \
        else f'<p class="meta">{escape(_status_line(view))}</p>'
    page = f"/dashboard/{_q(view.plan_id)}/{_q(view.period)}"
    groups = "\n".join(_group_html(g, page) for g in view.groups) or "<p>暂无数据</p>"
    links = (f'<p class="meta"><a href="/dashboard">全部方案</a> · <a href="{base}/rankings">JSON</a> · '
             f'<a href="{base}/export.xlsx">Excel</a>'
             + ("" if view.provisional else f' · <a href="{base}/annual-report">年度报告</a>') + "</p>")
    body = f"<h1>{escape(title)}</h1>\n{banner}\n{links}\n{groups}"
    return _page(title, body)


def card_html(card: ScoreCard) -> str:
    """One unit's score card: total, grade, rank in its group, components, survey SE, missing inputs."""
    r = card.row
    name = r.unit_name or r.unit_id
    title = f"{name} · {card.plan_id} · {card.period} 绩效考评成绩单"
    page = f"/dashboard/{_q(card.plan_id)}/{_q(card.period)}"
    api = f"/v1/plans/{_q(card.plan_id)}/periods/{_q(card.period)}/units/{_q(r.unit_id)}"
    status = ("暂定成绩 / provisional" if card.provisional
              else f"定级快照 v{card.snapshot_version}，{fmt_time(card.graded_at)}") + f"（{r.status}）"
    rank = f"{r.rank} / {card.group_size}" if r.rank is not None else f"— / {card.group_size}"
    facts = [("单位", f"{escape(name)}<span class=\"uid\">{escape(r.unit_id)}</span>{_tags(r)}"),
             ("分组", escape(r.group or "（未分组）")), ("状态", escape(status)),
             ("总分", fmt_total(r.total)), ("等级", escape(r.grade_label) or "—"), ("组内名次", rank),
             ("公众评议标准误 SE", "—" if card.survey_se is None else escape(str(card.survey_se))),
             ("一票否决", "是" if r.vetoed else "否"), ("评先资格", "是" if r.award_eligible else "否")]
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
    parts = "".join(f'<tr><td>{escape(COMPONENTS.get(k, k))}<span class="uid">{escape(k)}</span></td>'
                    f'<td class="num">{escape(str(v))}</td></tr>' for k, v in card.components.items())
    missing = "".join(f"<li>{escape(m)}</li>" for m in card.missing) or "<li>无</li>"
    body = (f"<h1>{escape(title)}</h1>\n"
            f'<p class="meta"><a href="{page}">返回排名</a> · <a href="{api}">JSON</a></p>\n'
            f'<section class="card"><div class="scroll"><table>{rows}</table></div></section>\n'
            f'<section class="card"><h2>得分构成</h2><div class="scroll"><table><thead><tr><th>项目</th>'
            f"<th>得分</th></tr></thead><tbody>{parts}</tbody></table></div></section>\n"
            f'<section class="card"><h2>缺少的输入 <span class="meta">{len(card.missing)}</span></h2>'
            f"<ul>{missing}</ul></section>")
    return _page(title, body)


def index_html(periods: list[PeriodState]) -> str:
    """Every (plan, period) the read model knows, with links."""
    plans: dict[str, list[PeriodState]] = {}
    for p in periods:
        plans.setdefault(p.plan_id, []).append(p)
    parts = []
    for plan_id, items in plans.items():
        lis = []
        for p in items:
            state = (f"已定级 v{p.current_snapshot}（{fmt_time(p.graded_at)}）" if p.current_snapshot is not None
                     else "暂定")
            lis.append(f'<li><a href="/dashboard/{_q(plan_id)}/{_q(p.period)}">{escape(p.period)}</a> '
                       f'<span class="meta">{escape(state)}</span></li>')
        parts.append(f'<section class="card"><h2>{escape(plan_id)}</h2><ul class="links">{"".join(lis)}</ul></section>')
    body = "<h1>绩效考评看板</h1>\n" + ("\n".join(parts) or "<p>暂无数据</p>")
    return _page("绩效考评看板", body)


# -- the annual report (Markdown) -------------------------------------------------------------

def _md(text: str) -> str:
    """Escape what Markdown tables and emphasis would misread."""
    for ch in "\\|*_`[]<>#":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _unit_md(row: RankingRow) -> str:
    return f"{_md(row.unit_name)}（{_md(row.unit_id)}）" if row.unit_name else _md(row.unit_id)


def annual_report_md(view: RankingView, generated_at: datetime) -> str:
    """年度绩效考评报告: counts per grade per group, top 3, vetoed and not award-eligible units."""
    lines = [f"# {_md(view.plan_id)} 年度绩效考评报告", ""]
    lines += [f"- 方案 Plan: `{view.plan_id}`", f"- 考评期 Period: `{view.period}`",
              f"- 定级快照 Snapshot: v{view.snapshot_version}",
              f"- 定级时间 Graded at: {fmt_time(view.graded_at)}"]
    if view.closed_by:
        lines.append(f"- 定级人 Closed by: {_md(view.closed_by)}")
    lines += [f"- 生成时间 Generated at: {fmt_time(generated_at)}",
              f"- 复现 Reproduce: `GET /v1/plans/{_q(view.plan_id)}/periods/{_q(view.period)}"
              f"/annual-report?snapshot={view.snapshot_version}`", ""]

    lines += ["## 一、等级分布 Grade distribution", ""]
    for g in view.groups:
        header = [label for _c, label, _n in g.distribution] + (["未定级"] if g.ungraded else [])
        counts = [str(n) for _c, _l, n in g.distribution] + ([str(g.ungraded)] if g.ungraded else [])
        lines += [f"### {_md(g.group or '（未分组）')}（{len(g.rows)} 个单位）", "",
                  "| " + " | ".join(["等级"] + [_md(h) for h in header]) + " |",
                  "|" + "---|" * (len(header) + 1),
                  "| " + " | ".join(["单位数"] + counts) + " |", ""]

    lines += ["## 二、各组前三名 Top 3", ""]
    for g in view.groups:
        lines += [f"### {_md(g.group or '（未分组）')}", "", "| 名次 | 单位 | 总分 | 等级 |", "|---|---|---|---|"]
        best = top(g.rows)
        lines += [f"| {r.rank} | {_unit_md(r)}{'（' + VETO + '）' if r.vetoed else ''} | {fmt_total(r.total)} | "
                  f"{_md(r.grade_label) or '—'} |" for r in best] or ["| — | — | — | — |"]
        lines.append("")

    lines += ["## 三、一票否决单位 Vetoed units", ""]
    vetoed = [r for r in view.rows if r.vetoed]
    lines += [f"- {_unit_md(r)}（{_md(r.group)}，名次 {r.rank if r.rank is not None else '—'}，"
              f"总分 {fmt_total(r.total)}）" for r in vetoed] or ["无。"]
    lines.append("")

    lines += ["## 四、不具备评先资格单位 Not award-eligible", ""]
    not_eligible = [r for r in view.rows if not r.award_eligible]
    lines += [f"- {_unit_md(r)}（{_md(r.group)}，{_md(r.grade_label) or '未定级'}"
              f"{'，' + VETO if r.vetoed else ''}）" for r in not_eligible] or ["无。"]
    lines.append("")
    return "\n".join(lines)

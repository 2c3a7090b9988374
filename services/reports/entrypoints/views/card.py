"""A unit's score card: every input explained and the weighted sum step by step."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from services.reports.domain.model import (
    ComponentInfo,
    ScoreCard,
)
from services.reports.entrypoints import charts
from services.reports.entrypoints.i18n import Messages

from .common import CENT, Ctx, award_tag, component_head, fmt_total, page_html, quote_part, veto_tag, veto_text


def as_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _confirmed(ctx: Ctx, leaf: dict) -> str:
    """Who confirmed the counted result and when (county time); "—" when scoring does not know."""
    who, at = leaf.get("confirmed_by") or "", leaf.get("confirmed_at") or ""
    when = ""
    if at:
        try:
            when = ctx.time(datetime.fromisoformat(at))
        except ValueError:
            when = at
    return escape(" · ".join(x for x in (who, when) if x)) or "—"


def _appeal(m: Messages, d: dict) -> str:
    """A deduction's appeal (申诉) and its outcome, with the revocation's reason."""
    appeal, outcome = d.get("appeal") or "", d.get("appeal_outcome") or ""
    text = f"{appeal} · {m('appeal_' + outcome)}" if appeal and outcome in ("open", "rejected", "granted") else appeal
    reason = d.get("reason") or ""
    return escape(" · ".join(x for x in (text, reason) if x)) or "—"


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
            rows.append(
                f"<tr><td>{what}</td><td>{label}</td><td>{escape(m.method(leaf['method']))}</td><td>{inp_text}</td>"
                f'<td class="num">{m.number(as_decimal(leaf["fraction"]), 4)}</td>'
                f'<td class="num">{m.number(as_decimal(leaf["points"]))} / '
                f"{m.number(as_decimal(leaf['max_points']) * as_decimal(leaf.get('weight', 1)))}</td>"
                f'<td class="confirmed">{_confirmed(ctx, leaf)}</td></tr>'
            )
        if rows:
            parts.append(
                f'<h3>{name}</h3><div class="scroll"><table class="leaves"><thead><tr>'
                f"<th>{m('col_indicator')}</th><th>{m('name')}</th>"
                f"<th>{m('col_method')}</th>"
                f"<th>{m('col_input_target_actual')}</th>"
                f'<th class="num">{m("col_fraction")}</th>'
                f'<th class="num">{m("col_points_earned_possible")}</th><th>{m("col_confirmed")}</th></tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table></div>"
            )
        rounds = []
        for rnd in comp.get("rounds", []):
            if not rnd.get("strata"):
                rounds.append(
                    f"<tr><td>{escape(m.term(rnd['round']))}</td><td>{m('external')}</td><td></td><td></td>"
                    f'<td></td><td class="num">{m.number(as_decimal(rnd["score"]))}</td>'
                    f'<td class="num">{m.number(as_decimal(rnd.get("se")))}</td></tr>'
                )
            for st in rnd.get("strata", []):
                rounds.append(
                    f"<tr><td>{escape(m.term(rnd['round']))}</td><td>{escape(m.term(st['stratum']))}</td>"
                    f'<td class="num">{st["n"]}</td><td class="num">{m.number(as_decimal(st["mean"]))}</td>'
                    f'<td class="num">{m.number(as_decimal(st["weight"]))}</td>'
                    f'<td class="num">{m.number(as_decimal(rnd["score"]))}</td>'
                    f'<td class="num">{m.number(as_decimal(rnd["se"]))}</td></tr>'
                )
        if rounds:
            parts.append(
                f'<h3>{name}</h3><div class="scroll"><table class="rounds"><thead><tr>'
                f"<th>{m('col_round')}</th><th>{m('col_respondent_group')}</th>"
                f'<th class="num">{m("col_responses")}</th>'
                f'<th class="num">{m("col_mean")}</th>'
                f'<th class="num">{m("weight")}</th><th class="num">{m("col_round_score")}</th>'
                f'<th class="num">{m("survey_se")}</th></tr></thead>'
                f"<tbody>{''.join(rounds)}</tbody></table></div>"
            )
        deds = []
        for d in comp.get("deductions", []):
            deds.append(
                f"<tr><td>{escape(str(d['date']))}</td><td>{escape(d['id'])}</td><td>{escape(m.term(d['kind']))}</td>"
                f"<td>{escape(m.term(d.get('aspect') or '')) or '—'}</td>"
                f"<td>{escape(d.get('inspection') or '') or '—'}</td>"
                f'<td class="num neg">{m.deduction(as_decimal(d["points"]))}</td>'
                f'<td class="num neg">{m.deduction(as_decimal(d["counted"]))}</td><td>{escape(m.term(d["status"]))}</td>'
                f'<td class="appeal">{_appeal(m, d)}</td></tr>'
            )
        if deds:
            cap = f"（{m('col_cap')} {m.number(as_decimal(comp.get('cap')))}）" if comp.get("cap") else ""
            parts.append(
                f'<h3>{name}{cap}</h3><div class="scroll"><table class="deductions"><thead><tr>'
                f"<th>{m('col_date')}</th><th>{m('col_record')}</th>"
                f"<th>{m('col_kind')}</th><th>{m('col_aspect')}</th><th>{m('col_inspection')}</th>"
                f'<th class="num">{m("deduction")}</th><th class="num">{m("col_counted")}</th>'
                f"<th>{m('status')}</th><th>{m('col_appeal')}</th></tr></thead>"
                f"<tbody>{''.join(deds)}</tbody></table></div>"
            )
    vetoes = explanation.get("vetoes", [])
    if vetoes:
        lis = "".join(
            f"<li>{escape(veto_text(m, [v['category']]))} · {escape(str(v['date']))}"
            f"{'' if v.get('counted', True) else ' (—)'}</li>"
            for v in vetoes
        )
        parts.append(f"<h3>{m('veto')}</h3><ul>{lis}</ul>")
    return "".join(parts)


def sum_steps_html(ctx: Ctx, explanation: dict, total: Decimal | None) -> str:
    """The weighted sum, one line per component, ending in the exact and the rounded total."""
    m = ctx.m
    lines = []
    for comp in explanation.get("components", []):
        contribution = as_decimal(comp["contribution"])
        if comp["type"] == "penalty":
            expr = f"− {m.number(as_decimal(comp.get('score')) or Decimal(0))}"
        elif comp.get("score") is None:
            expr = "—"
        else:
            expr = f"{m.number(as_decimal(comp['weight']), 2)} × {m.number(as_decimal(comp['score']), 4)}"
        cents = contribution.quantize(CENT, ROUND_HALF_UP)
        lines.append(
            f'<tr><td>{escape(m.component(comp["key"]))}</td><td class="num">{expr}</td>'
            f'<td class="num step" data-value="{cents}">{m.signed(cents)}</td></tr>'
        )
    exact = as_decimal(explanation.get("total_exact"))
    lines.append(
        f'<tr><th>{m("total")}</th><td class="num">{"" if exact is None else escape(str(exact))}</td>'
        f'<td class="num" id="sum-total"><strong>{fmt_total(total)}</strong></td></tr>'
    )
    return (
        f'<div class="scroll"><table class="steps"><thead><tr><th>{m("component")}</th>'
        f'<th class="num">{m("weight")} × {m("score")}</th><th class="num">{m("contribution")}</th></tr>'
        f"</thead><tbody>{''.join(lines)}</tbody></table></div>"
    )


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
        lines.append(
            f'<tr><td>{escape(m.component(c.key))}</td><td class="num">{expr}</td>'
            f'<td class="num step" data-value="{contribution}">{m.signed(contribution)}</td></tr>'
        )
    lines.append(
        f'<tr><th>{m("total")}</th><td></td><td class="num" id="sum-total"><strong>'
        f"{fmt_total(card.row.total)}</strong></td></tr>"
    )
    return (
        f'<div class="scroll"><table class="steps"><thead><tr><th>{m("component")}</th>'
        f'<th class="num">{m("weight")} × {m("score")}</th><th class="num">{m("contribution")}</th></tr>'
        f"</thead><tbody>{''.join(lines)}</tbody></table></div>"
    )


def _missing_text(m: Messages, item: str) -> str:
    kind, _, what = item.partition(":")
    if kind == "indicator":
        return m("missing_indicator", what=what)
    if kind == "component":
        return m("missing_component", what=m.component(what))
    return item


def card_html(
    card: ScoreCard,
    ctx: Ctx | None = None,
    *,
    explanation: dict | None = None,
    explanation_error: str = "",
    trend=(),
    components: list[ComponentInfo] | None = None,
    group_name: str = "",
    plan_name: str = "",
    indicator_names: dict[str, str] | None = None,
) -> str:
    """One unit's score card: facts, the sum step by step, every input from scoring's explanation, the trend."""
    ctx = ctx or Ctx(Messages("zh-CN"))
    m = ctx.m
    r = card.row
    name = r.unit_name or r.unit_id
    title = m("card_title", unit=name, period=m.period(card.period))
    page = f"/dashboard/{quote_part(card.plan_id)}/{quote_part(card.period)}"
    api = f"/v1/plans/{quote_part(card.plan_id)}/periods/{quote_part(card.period)}/units/{quote_part(r.unit_id)}"
    status = (
        m("provisional")
        if card.provisional
        else m("graded", version=card.snapshot_version, at=ctx.time(card.graded_at))
    ) + f" · {m.status(r.status)}"
    rank = f"{r.rank} / {card.group_size}" if r.rank is not None else f"— / {card.group_size}"
    se = "—" if card.survey_se is None else m.number(card.survey_se)
    facts = [
        (m("unit"), f'{escape(name)}<span class="uid">{escape(r.unit_id)}</span>{award_tag(m, r)}'),
        (m("group"), escape(group_name or r.group_name or r.group or m("ungrouped"))),
        (m("status"), escape(status)),
        (m("total"), f'<strong id="card-total">{fmt_total(r.total)}</strong>'),
        (m("grade"), escape(m.grade(r.grade, r.grade_label)) or "—"),
        (m("rank_in_group"), f"{rank}{veto_tag(m, r)}"),
        (m("survey_se"), f'{se}<br><span class="meta">{escape(m("survey_se_help"))}</span>'),
        (m("veto"), escape(veto_text(m, r.veto_categories)) if r.vetoed else m("no")),
        (m("award"), m("yes") if r.award_eligible else m("no")),
    ]
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
    comps = components or [ComponentInfo(k, "penalty" if k == "inspection" else "indicators") for k in card.components]
    parts = "".join(
        f"<tr><td>{component_head(m, c)}</td>"
        + (
            f'<td class="num neg">{m.deduction(card.components.get(c.key))}</td>'
            if c.type == "penalty"
            else f'<td class="num">{m.number(card.components.get(c.key))}</td>'
        )
        + f'<td class="num">{m.number(c.weight) if c.weight is not None else "—"}</td></tr>'
        for c in comps
    )
    steps = sum_steps_html(ctx, explanation, r.total) if explanation else _simple_steps(ctx, card, comps)
    detail = (
        explanation_html(ctx, explanation, indicator_names)
        if explanation
        else f'<p class="meta">{escape(explanation_error or m("explanation_off"))}</p>'
    )
    missing = (
        "".join(
            f'<li>{escape(_missing_text(m, item))}<span class="uid">{escape(item)}</span></li>' for item in card.missing
        )
        or f"<li>{m('missing_none')}</li>"
    )
    trend_html = (
        charts.line_chart(m("trend"), list(trend), chart_id="trend-chart")
        if trend
        else f'<p class="meta">{m("trend_none")}</p>'
    )
    body = (
        f'<h1>{escape(title)}</h1>\n<p class="meta">{escape(plan_name or card.plan_id)}</p>\n'
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
        f'<section class="card"><h2>{m("trend")}</h2>{trend_html}</section>'
    )
    return page_html(ctx, title, body)

"""What reports reads from a plan (PlanPublished's plan_json): name, group names, components, grade labels, award rules, notice period — labels only, never scores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from jixiao.rules.errors import PlanError
from jixiao.rules.plan import load_plan_json
from services.reports.domain.errors import BadIndicatorEvent
from services.reports.domain.model import (
    ComponentInfo,
    PlanInfo,
    PlanLabels,
)

DEFAULT_GRADE_LABELS: dict[str, str] = {
    "excellent": "优",
    "good": "良",
    "fair": "一般",
    "poor": "差",
    "pass": "合格",
    "fail": "不合格",
}
# The default map mixes two band families; a distribution shows the one the grades belong to.
DEFAULT_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("excellent", "good", "fair", "poor"),
    ("excellent", "pass", "fail"),
)
MAX_LABEL = 50
MAX_CODE = 100
MAX_NAME = 200  # unit names and grade labels learned from events (column size of orm.unit_names)


def _document(plan_json: str) -> tuple[dict, list]:
    """The plan and indicator nodes of a plan_json, read by the shared rules (exact JSON); unreadable
    content is poison."""
    try:
        return load_plan_json(plan_json)
    except PlanError as exc:
        raise BadIndicatorEvent(f"plan_json is not a plan document: {exc}") from exc


def _plan_of(plan_id: str, plan_json: str) -> dict:
    """The "plan" object of a PlanPublished's plan_json; unreadable content is poison."""
    plan, _indicators = _document(plan_json)
    if plan.get("id", plan_id) != plan_id:
        raise BadIndicatorEvent(f"PlanPublished for {plan_id!r} carries plan {plan.get('id')!r}")
    return plan


def grades_of_plan(plan_id: str, plan_json: str) -> dict[str, str]:
    """A PlanPublished's grade labels (code → label), best band first; unreadable content is poison."""
    plan = _plan_of(plan_id, plan_json)
    bands = plan.get("grade_bands")
    if not isinstance(bands, list):
        raise BadIndicatorEvent("plan.grade_bands is not a list")
    grades: dict[str, str] = {}
    for i, band in enumerate(bands):
        code = band.get("grade") if isinstance(band, dict) else None
        if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE or code in grades:
            raise BadIndicatorEvent(f"plan.grade_bands[{i}].grade must be a new code of 1-{MAX_CODE} characters")
        label = band.get("label") or DEFAULT_GRADE_LABELS.get(code, code)
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_NAME:
            raise BadIndicatorEvent(f"plan.grade_bands[{i}].label must be text of 1-{MAX_NAME} characters")
        grades[code] = label
    return grades


def _text(value, default: str = "") -> str:
    return value.strip()[:MAX_NAME] if isinstance(value, str) and value.strip() else default


def _dec(value) -> Decimal | None:
    try:
        return (
            Decimal(str(value))
            if isinstance(value, int | float | str | Decimal) and not isinstance(value, bool)
            else None
        )
    except InvalidOperation:
        return None


def _codes(value) -> tuple[str, ...]:
    return tuple(c for c in value if isinstance(c, str) and c) if isinstance(value, list) else ()


def plan_info_of(plan_id: str, plan_json: str) -> PlanInfo:
    """A PlanPublished's name, group names, components, award rules and notice period.

    These only label and list (they never score), so a missing or odd field falls back to a
    default instead of making the event poison. `notice_days` (公示期, working days) defaults to 5.
    """
    plan = _plan_of(plan_id, plan_json)
    _plan, indicators = _document(plan_json)
    groups = plan.get("groups") if isinstance(plan.get("groups"), dict) else {}
    components = []
    for c in plan.get("components") or []:
        if isinstance(c, dict) and isinstance(c.get("key"), str) and c["key"]:
            components.append(
                ComponentInfo(c["key"], _text(c.get("type"), "indicators"), _dec(c.get("weight")), _dec(c.get("cap")))
            )
    awards = plan.get("awards") if isinstance(plan.get("awards"), dict) else {}
    rewards = awards.get("rewards") or awards.get("levels") or {}
    days = plan.get("notice_days")
    veto = plan.get("veto") if isinstance(plan.get("veto"), dict) else {}
    return PlanInfo(
        name=_text(plan.get("name")),
        groups={str(k)[:MAX_CODE]: _text(v, str(k)) for k, v in groups.items() if isinstance(k, str)},
        components=tuple(components),
        eligible_grades=_codes(awards.get("eligible_grades")),
        criticized_grades=_codes(awards.get("criticized_grades") or plan.get("criticized_grades")),
        rewards={k: _text(v) for k, v in rewards.items() if isinstance(k, str) and _text(v)}
        if isinstance(rewards, dict)
        else {},
        notice_days=days if isinstance(days, int) and not isinstance(days, bool) and 0 < days <= 60 else 5,
        veto_categories=_codes(veto.get("categories")),
        indicators={
            i["id"][:MAX_CODE]: _text(i.get("name"), i["id"])
            for i in indicators
            if isinstance(i, dict) and isinstance(i.get("id"), str) and i["id"]
        },
    )


def labels_in_effect(plan_id: str, learned: PlanLabels | None, override: PlanLabels | None) -> PlanLabels:
    """The explicit override (PUT) over what the indicators events taught; the defaults fill the rest.

    Grades keep the plan's band order (the distribution's); codes only the override names follow it.
    """
    learned, override = learned or PlanLabels(plan_id), override or PlanLabels(plan_id)
    return PlanLabels(plan_id, {**learned.grades, **override.grades}, {**learned.units, **override.units}, learned.info)


def group_name(group: str, info: PlanInfo | None) -> str:
    """The plan's display name of a ranking group (plan.groups), else the group id."""
    return (info.groups.get(group) if info else None) or group


def grade_labels(labels: PlanLabels | None) -> dict[str, str]:
    """The plan's labels over the defaults (a plan may rename or add grades)."""
    return {**DEFAULT_GRADE_LABELS, **(labels.grades if labels else {})}


def label_of(grade: str | None, labels: Mapping[str, str]) -> str:
    if not grade:
        return ""
    return labels.get(grade, grade)


def distribution_grades(codes: Iterable[str], labels: PlanLabels | None) -> list[str]:
    """The grade codes a distribution lists, in band order (best first).

    With the plan's own labels: all of them, in the order given. Otherwise the default family
    that holds every code seen (so a four-band plan shows 优/良/一般/差 even with zero 差), and any
    code outside both families after it.
    """
    seen = [c for c in dict.fromkeys(codes) if c]
    if labels and labels.grades:
        order = list(labels.grades)
    else:
        order = next(
            (list(f) for f in DEFAULT_FAMILIES if set(seen) <= set(f)), [c for c in DEFAULT_GRADE_LABELS if c in seen]
        )
    return order + [c for c in seen if c not in order]

"""Pure rules of the read model: which snapshot is shown, ordering, ranks, labels, distributions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from jixiao.errors import FieldProblem
from services.reports.domain.errors import BadIndicatorEvent, BadScoreEvent, InvalidLabels
from services.reports.domain.model import (
    GroupRanking,
    PlanLabels,
    RankingRow,
    RankingView,
    ScoreCard,
    Snapshot,
    UnitScore,
)

# The events carry grade codes only; these are the labels of the seed plans (domain.md).
DEFAULT_GRADE_LABELS: dict[str, str] = {
    "excellent": "优", "good": "良", "fair": "一般", "poor": "差", "pass": "合格", "fail": "不合格",
}
# The default map mixes two band families; a distribution shows the one the grades belong to.
DEFAULT_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("excellent", "good", "fair", "poor"),
    ("excellent", "pass", "fail"),
)
MAX_LABEL = 50
MAX_CODE = 100
MAX_NAME = 200           # unit names and grade labels learned from events (column size of orm.unit_names)
_CENT = Decimal("0.01")


# -- events ---------------------------------------------------------------------------------

def decimal_or_none(text: str, what: str) -> Decimal | None:
    """A decimal carried as a string ("" = absent); a malformed one makes the event poison."""
    if text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise BadScoreEvent(f"{what} is not a decimal: {text!r}") from exc
    if not value.is_finite():
        raise BadScoreEvent(f"{what} is not a finite decimal: {text!r}")
    return value


def supersedes(new_version: int, stored_version: int | None) -> bool:
    """Latest wins: a provisional score, plan or unit name replaces the stored one only with a higher version."""
    return stored_version is None or new_version > stored_version


def snapshot_to_show(current: int | None, snapshots: Iterable[Snapshot]) -> Snapshot | None:
    """The newest complete snapshot newer than the one shown now, or None to keep showing it.

    An older snapshot version never replaces a newer one; an incomplete one never replaces
    a complete one (the previous complete snapshot stays visible until the new one is whole).
    """
    best: Snapshot | None = None
    for snap in snapshots:
        if current is not None and snap.version <= current:
            continue
        if snap.complete and (best is None or snap.version > best.version):
            best = snap
    return best


def obsolete_snapshots(current: int, snapshots: Iterable[Snapshot]) -> list[int]:
    """Versions older than the shown one that never completed: they can never be shown."""
    return sorted(s.version for s in snapshots if s.version < current and not s.complete)


# -- labels ---------------------------------------------------------------------------------

def validate_labels(grades: Mapping[str, str], units: Mapping[str, str]) -> None:
    """Refuse empty or oversized codes and labels (every problem at once)."""
    problems: list[FieldProblem] = []
    for section, mapping in (("grades", grades), ("units", units)):
        for code, label in mapping.items():
            if not code.strip() or len(code) > MAX_CODE:
                problems.append(FieldProblem(f"{section}.{code}", f"key must be 1-{MAX_CODE} characters"))
            if not label.strip() or len(label) > MAX_LABEL:
                problems.append(FieldProblem(f"{section}.{code}", f"label must be 1-{MAX_LABEL} characters"))
    if problems:
        raise InvalidLabels(f"{len(problems)} invalid label(s)", problems=problems)


def grades_of_plan(plan_id: str, plan_json: str) -> dict[str, str]:
    """A PlanPublished's grade labels (code → label), best band first; unreadable content is poison."""
    try:
        doc = json.loads(plan_json)
    except (ValueError, RecursionError) as exc:
        raise BadIndicatorEvent(f"plan_json is not JSON: {exc}") from exc
    plan = doc.get("plan") if isinstance(doc, dict) else None
    if not isinstance(plan, dict):
        raise BadIndicatorEvent("plan_json has no \"plan\" object")
    if plan.get("id", plan_id) != plan_id:
        raise BadIndicatorEvent(f"PlanPublished for {plan_id!r} carries plan {plan.get('id')!r}")
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


def labels_in_effect(plan_id: str, learned: PlanLabels | None, override: PlanLabels | None) -> PlanLabels:
    """The explicit override (PUT) over what the indicators events taught; the defaults fill the rest.

    Grades keep the plan's band order (the distribution's); codes only the override names follow it.
    """
    learned, override = learned or PlanLabels(plan_id), override or PlanLabels(plan_id)
    return PlanLabels(plan_id, {**learned.grades, **override.grades}, {**learned.units, **override.units})


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
        order = next((list(f) for f in DEFAULT_FAMILIES if set(seen) <= set(f)),
                     [c for c in DEFAULT_GRADE_LABELS if c in seen])
    return order + [c for c in seen if c not in order]


# -- rankings -------------------------------------------------------------------------------

def competition_ranks(scores: Sequence[UnitScore]) -> dict[str, int]:
    """Ranks by total, highest first, ties share a rank and the next skips (1, 2, 2, 4)."""
    ranked = sorted((s for s in scores if s.total is not None), key=lambda s: (-s.total, s.unit_id))
    ranks: dict[str, int] = {}
    previous: Decimal | None = None
    rank = 0
    for position, score in enumerate(ranked, start=1):
        if score.total != previous:
            rank, previous = position, score.total
        ranks[score.unit_id] = rank
    return ranks


def _order_key(row: RankingRow) -> tuple:
    unranked = row.rank is None
    no_total = row.total is None
    return (unranked, row.rank or 0, no_total, -(row.total or 0), row.unit_id)


def build_view(plan_id: str, period: str, scores: Sequence[UnitScore], *, provisional: bool,
               labels: PlanLabels | None, snapshot: Snapshot | None = None,
               group: str | None = None) -> RankingView:
    """Group, order and label scores for display.

    A graded snapshot keeps the ranks scoring gave. Provisional scores arrive one unit at a time,
    so their ranks come from different moments: they are recomputed here over the current totals.
    """
    names = labels.units if labels else {}
    glabels = grade_labels(labels)
    by_group: dict[str, list[UnitScore]] = {}
    for score in scores:
        if group is None or score.group == group:
            by_group.setdefault(score.group, []).append(score)
    groups: list[GroupRanking] = []
    for name in sorted(by_group):
        members = by_group[name]
        ranks = competition_ranks(members) if provisional else {}
        rows = sorted(
            (RankingRow(
                rank=ranks.get(s.unit_id) if provisional else s.rank,
                unit_id=s.unit_id, unit_name=names.get(s.unit_id, ""), group=s.group,
                total=s.total.quantize(_CENT) if s.total is not None else None,
                grade=s.grade or None, grade_label=label_of(s.grade, glabels),
                vetoed=s.vetoed, award_eligible=s.award_eligible, status=s.status)
             for s in members),
            key=_order_key)
        counts = Counter(r.grade for r in rows if r.grade)
        codes = distribution_grades(counts, labels)
        groups.append(GroupRanking(
            group=name, rows=rows,
            distribution=[(c, label_of(c, glabels), counts.get(c, 0)) for c in codes],
            ungraded=sum(1 for r in rows if not r.grade)))
    return RankingView(
        plan_id=plan_id, period=period, provisional=provisional,
        snapshot_version=snapshot.version if snapshot else None,
        graded_at=snapshot.graded_at if snapshot else None,
        closed_by=snapshot.closed_by if snapshot else "", groups=groups)


def top(rows: Sequence[RankingRow], n: int = 3) -> list[RankingRow]:
    """The units ranked 1..n (more than n when ties share rank n)."""
    return [r for r in rows if r.rank is not None and r.rank <= n]


def build_card(plan_id: str, period: str, scores: Sequence[UnitScore], unit_id: str, *, provisional: bool,
               labels: PlanLabels | None, snapshot: Snapshot | None = None) -> ScoreCard | None:
    """One unit's score card (None if it has no score): its row of its group's ranking, and the details."""
    score = next((s for s in scores if s.unit_id == unit_id), None)
    if score is None:
        return None
    view = build_view(plan_id, period, scores, provisional=provisional, labels=labels, snapshot=snapshot,
                      group=score.group)
    rows = view.rows
    return ScoreCard(plan_id=plan_id, period=period, provisional=provisional,
                     snapshot_version=view.snapshot_version, graded_at=view.graded_at,
                     row=next(r for r in rows if r.unit_id == unit_id), group_size=len(rows),
                     components=dict(score.components), survey_se=score.survey_se, missing=score.missing)

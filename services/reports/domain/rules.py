"""Pure rules of the read model: which snapshot is shown, ordering, ranks, labels, distributions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from jixiao.errors import FieldProblem
from services.reports.domain.errors import BadScoreEvent, InvalidLabels
from services.reports.domain.model import (
    ComponentInfo,
    GroupRanking,
    PlanInfo,
    PlanLabels,
    RankingRow,
    RankingView,
    ScoreCard,
    Snapshot,
    UnitScore,
)
from services.reports.domain.plan_info import (  # noqa: F401  (re-exported: callers use rules.X)
    DEFAULT_FAMILIES,
    DEFAULT_GRADE_LABELS,
    MAX_CODE,
    MAX_LABEL,
    MAX_NAME,
    _codes,
    _dec,
    _document,
    _plan_of,
    _text,
    distribution_grades,
    grade_labels,
    grades_of_plan,
    group_name,
    label_of,
    labels_in_effect,
    plan_info_of,
)

# The events carry grade codes only; these are the labels of the seed plans (domain.md).
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


def build_view(
    plan_id: str,
    period: str,
    scores: Sequence[UnitScore],
    *,
    provisional: bool,
    labels: PlanLabels | None,
    snapshot: Snapshot | None = None,
    group: str | None = None,
    vetoes: Mapping[str, Sequence[str]] | None = None,
) -> RankingView:
    """Group, order and label scores for display.

    A graded snapshot keeps the ranks scoring gave. Provisional scores arrive one unit at a time,
    so their ranks come from different moments: they are recomputed here over the current totals.
    """
    names = labels.units if labels else {}
    info = labels.info if labels else PlanInfo()
    vetoes = vetoes or {}
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
            (
                RankingRow(
                    rank=ranks.get(s.unit_id) if provisional else s.rank,
                    unit_id=s.unit_id,
                    unit_name=names.get(s.unit_id, ""),
                    group=s.group,
                    total=s.total.quantize(_CENT) if s.total is not None else None,
                    grade=s.grade or None,
                    grade_label=label_of(s.grade, glabels),
                    vetoed=s.vetoed,
                    award_eligible=s.award_eligible,
                    status=s.status,
                    components=dict(s.components),
                    veto_categories=tuple(vetoes.get(s.unit_id, ())) if s.vetoed else (),
                    group_name=group_name(s.group, info),
                )
                for s in members
            ),
            key=_order_key,
        )
        counts = Counter(r.grade for r in rows if r.grade)
        codes = distribution_grades(counts, labels)
        groups.append(
            GroupRanking(
                group=name,
                rows=rows,
                distribution=[(c, label_of(c, glabels), counts.get(c, 0)) for c in codes],
                ungraded=sum(1 for r in rows if not r.grade),
                name=group_name(name, info),
            )
        )
    all_codes = distribution_grades(Counter(s.grade for s in scores if s.grade), labels)
    return RankingView(
        plan_id=plan_id,
        period=period,
        provisional=provisional,
        snapshot_version=snapshot.version if snapshot else None,
        graded_at=snapshot.graded_at if snapshot else None,
        closed_by=snapshot.closed_by if snapshot else "",
        groups=groups,
        plan_name=info.name,
        info=info,
        grade_order=tuple((c, label_of(c, glabels)) for c in all_codes),
    )


def top(rows: Sequence[RankingRow], n: int = 3) -> list[RankingRow]:
    """The units ranked 1..n (more than n when ties share rank n)."""
    return [r for r in rows if r.rank is not None and r.rank <= n]


def build_card(
    plan_id: str,
    period: str,
    scores: Sequence[UnitScore],
    unit_id: str,
    *,
    provisional: bool,
    labels: PlanLabels | None,
    snapshot: Snapshot | None = None,
    vetoes: Mapping[str, Sequence[str]] | None = None,
) -> ScoreCard | None:
    """One unit's score card (None if it has no score): its row of its group's ranking, and the details."""
    score = next((s for s in scores if s.unit_id == unit_id), None)
    if score is None:
        return None
    view = build_view(
        plan_id,
        period,
        scores,
        provisional=provisional,
        labels=labels,
        snapshot=snapshot,
        group=score.group,
        vetoes=vetoes,
    )
    rows = view.rows
    return ScoreCard(
        plan_id=plan_id,
        period=period,
        provisional=provisional,
        snapshot_version=view.snapshot_version,
        graded_at=view.graded_at,
        row=next(r for r in rows if r.unit_id == unit_id),
        group_size=len(rows),
        components=dict(score.components),
        survey_se=score.survey_se,
        missing=score.missing,
    )


# -- lists, movers, improvement points ----------------------------------------------------------


def commendation(view: RankingView) -> list[RankingRow]:
    """通报表彰: final units graded in the plan's eligible grades and award-eligible (not vetoed)."""
    eligible = set(view.info.eligible_grades)
    return [
        r
        for r in _by_grade_then_rank(view)
        if r.status == "final" and r.award_eligible and (not eligible or r.grade in eligible)
    ]


def criticized_grades(view: RankingView) -> set[str]:
    """The grades the criticism list holds: the plan's own, else the lowest band."""
    if view.info.criticized_grades:
        return set(view.info.criticized_grades)
    return {view.grade_order[-1][0]} if view.grade_order else set()


def criticism(view: RankingView) -> list[RankingRow]:
    """通报批评: final units in the criticized grades (by default the lowest band)."""
    grades = criticized_grades(view)
    return [r for r in _by_grade_then_rank(view) if r.status == "final" and r.grade in grades]


def _by_grade_then_rank(view: RankingView) -> list[RankingRow]:
    order = {c: i for i, (c, _l) in enumerate(view.grade_order)}
    return sorted(view.rows, key=lambda r: (order.get(r.grade or "", 99), r.group, r.rank or 0, r.unit_id))


def movers(view: RankingView, previous: Sequence[UnitScore], n: int = 5) -> list[tuple[RankingRow, Decimal, Decimal]]:
    """The units whose total moved most since the previous snapshot: (row, old total, change)."""
    before = {s.unit_id: s.total for s in previous if s.total is not None}
    moved = [
        (r, before[r.unit_id], r.total - before[r.unit_id])
        for r in view.rows
        if r.total is not None and r.unit_id in before and r.total != before[r.unit_id]
    ]
    return sorted(moved, key=lambda m: (-abs(m[2]), m[0].unit_id))[:n]


_KNOWN_ORDER = {"indicators": 0, "survey": 1, "efficiency": 2}


def components_of(view: RankingView) -> list[ComponentInfo]:
    """The plan's components in plan order; without the plan, the keys the scores carry (the seed plans'
    keys in their usual order, `inspection` as a penalty, others after them)."""
    if view.info.components:
        return list(view.info.components)
    keys = sorted(
        dict.fromkeys(k for r in view.rows for k in r.components),
        key=lambda k: (_KNOWN_ORDER.get(k, 3 if k != "inspection" else 4), k),
    )
    return [
        ComponentInfo(k, "penalty" if k == "inspection" else k if k in _KNOWN_ORDER else "indicators") for k in keys
    ]


def component_averages(view: RankingView) -> list[tuple[ComponentInfo, Decimal, int]]:
    """Per plan component (in plan order): the mean over the units that have it, and how many have it."""
    infos = components_of(view)
    result = []
    for c in infos:
        values = [r.components[c.key] for r in view.rows if c.key in r.components]
        if values:
            result.append((c, (sum(values, Decimal(0)) / len(values)).quantize(_CENT), len(values)))
    return result


def weakest_components(view: RankingView, n: int = 3) -> list[tuple[ComponentInfo, Decimal, int]]:
    """Improvement points: the weighted components with the lowest county-wide mean, weakest first."""
    weighted = [a for a in component_averages(view) if a[0].type != "penalty"]
    return sorted(weighted, key=lambda a: (a[1], a[0].key))[:n]


def grade_counts(view: RankingView) -> list[tuple[str, str, int]]:
    """County-wide grade distribution in band order: (code, label, units)."""
    counts = Counter(r.grade for r in view.rows if r.grade)
    return [(c, label, counts.get(c, 0)) for c, label in view.grade_order]


# -- the public notice (公示) ----------------------------------------------------------------------

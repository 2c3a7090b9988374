"""The public notice (公示): its canonical content, hash, and period in working days."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from services.reports.domain.model import (
    RankingView,
    UnitScore,
)
from services.reports.domain.plan_info import (  # noqa: F401  (re-exported: callers use rules.X)
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
from services.reports.domain.rules import commendation, criticism


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical_json(value) -> str:
    """Sorted keys, no spaces, UTF-8 text, decimals as strings with two places: the same bytes every time."""
    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def snapshot_hash(scores: Sequence[UnitScore]) -> str:
    """SHA-256 of the graded snapshot rows as the read model holds them: the notice's hash only when
    scoring's PeriodGraded carried no snapshot_sha256 (an older scoring).

    Rows sorted by unit id, each with every field of jixiao.results/v1 (missing sorted), as canonical JSON.
    """
    rows = [
        {
            "unit": s.unit_id,
            "group": s.group,
            "status": s.status,
            "total": s.total,
            "grade": s.grade,
            "rank": s.rank,
            "vetoed": s.vetoed,
            "award_eligible": s.award_eligible,
            "components": dict(s.components),
            "survey_se": s.survey_se,
            "missing": sorted(s.missing),
        }
        for s in sorted(scores, key=lambda s: s.unit_id)
    ]
    return hashlib.sha256(canonical_json(rows).encode("utf-8")).hexdigest()


def add_working_days(start: date, days: int) -> date:
    """The last day of a period of `days` working days (Monday–Friday) that starts on `start`.

    The publication day counts when it is a working day. Public holidays are not known here.
    """
    day, left = start, days
    while True:
        if day.weekday() < 5:
            left -= 1
            if left <= 0:
                return day
        day += timedelta(days=1)


def notice_content(
    view: RankingView,
    scores: Sequence[UnitScore],
    published_on: date,
    sha256: str = "",
    objections: Sequence[dict] = (),
) -> dict:
    """What a notice shows, frozen when the snapshot is first shown (names as they were then).

    `sha256` is scoring's own snapshot_sha256 of the graded results document, so the notice and
    scoring's snapshot can be compared; reports computes one over its rows only when scoring sent none.
    `objections` are the objections (异议) the re-score that made this version followed:
    {"id", "version" (of the notice it was filed against), "unit"}."""
    info = view.info
    return {
        "format": "jixiao.notice/v1",
        "plan": view.plan_id,
        "plan_name": view.plan_name or view.plan_id,
        "period": view.period,
        "snapshot_version": view.snapshot_version,
        "graded_at": view.graded_at.isoformat() if view.graded_at else None,
        "closed_by": view.closed_by,
        "sha256": sha256 or snapshot_hash(scores),
        "sha256_by": "scoring" if sha256 else "reports",
        "rescored_after_objections": [dict(o) for o in objections],
        "published_on": published_on.isoformat(),
        "notice_days": info.notice_days,
        "ends_on": add_working_days(published_on, info.notice_days).isoformat(),
        "grades": [[c, label] for c, label in view.grade_order],
        "components": [[c.key, c.type] for c in info.components],
        "groups": [
            {
                "group": g.group,
                "name": g.name or g.group,
                "rows": [
                    {
                        "unit": r.unit_id,
                        "name": r.unit_name,
                        "rank": r.rank,
                        "total": r.total,
                        "grade": r.grade,
                        "grade_label": r.grade_label,
                        "status": r.status,
                        "vetoed": r.vetoed,
                        "veto_categories": list(r.veto_categories),
                        "award_eligible": r.award_eligible,
                        "components": dict(r.components),
                    }
                    for r in g.rows
                ],
            }
            for g in view.groups
        ],
        "awards": [r.unit_id for r in commendation(view)],
        "criticism": [r.unit_id for r in criticism(view)],
        "rewards": dict(info.rewards),
    }

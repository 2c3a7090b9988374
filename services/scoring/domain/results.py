"""Scores as `jixiao.results/v1` documents and explanations as plain dicts; exact JSON output."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from jixiao.rules.decimals import round2
from jixiao.rules.errors import Problem
from jixiao.rules.model import Plan

from .model import Explanation, UnitScore

RESULTS_FORMAT = "jixiao.results/v1"


def unit_to_dict(plan: Plan, score: UnitScore) -> dict[str, Any]:
    """One unit's entry of a results document; numbers rounded half-up to 2 places."""
    out: dict[str, Any] = {
        "unit": score.unit,
        "group": score.group,
        "status": score.status,
        "components": {c.key: round2(score.components[c.key]) for c in plan.components if c.key in score.components},
        "vetoed": score.vetoed,
        "missing": list(score.missing),
    }
    if score.survey_se is not None:
        out["survey_se"] = round2(score.survey_se)
    out["total"] = score.total
    out["grade"] = score.grade
    out["award_eligible"] = score.award_eligible
    out["rank"] = score.rank
    return out


def results_to_dict(plan: Plan, period: str, scores: Iterable[UnitScore]) -> dict[str, Any]:
    """A `jixiao.results/v1` document (Decimals as numbers; units by id)."""
    return {
        "format": RESULTS_FORMAT,
        "plan": plan.id,
        "period": period,
        "units": [unit_to_dict(plan, s) for s in sorted(scores, key=lambda s: s.unit)],
    }


_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass's field names, looked up once per class


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    """The explanation as plain data: exact Decimals, ISO dates, lists (serialise with `dumps`)."""
    return _plain(explanation)


def _plain(value: Any) -> Any:
    names = _FIELDS.get(type(value))
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, (str, Decimal, int)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def problem_to_dict(problem: Problem) -> dict[str, str]:
    """A problem as {"path", "message"}."""
    return {"path": problem.path, "message": problem.message}

"""Scores as `jixiao.results/v1` documents and explanations as plain dicts; exact JSON output."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from .decimals import round2
from .errors import Problem
from .model import Explanation, Plan, UnitScore

RESULTS_FORMAT = "jixiao.results/v1"


def unit_to_dict(plan: Plan, score: UnitScore) -> dict[str, Any]:
    """One unit's entry of a results document; numbers rounded half-up to 2 places."""
    out: dict[str, Any] = {
        "unit": score.unit,
        "group": score.group,
        "status": score.status,
        "components": {
            c.key: round2(score.components[c.key]) for c in plan.components if c.key in score.components
        },
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


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    """The explanation as plain data: exact Decimals, ISO dates, lists (serialise with `dumps`)."""
    return _plain(explanation)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
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


def dumps(value: Any, indent: int | None = 1) -> str:
    """JSON text like json.dumps(ensure_ascii=False), but Decimals are written as exact numbers
    (json has no Decimal support and floats are not allowed on the way out either)."""
    out: list[str] = []
    _emit(value, out, indent, 0)
    return "".join(out)


_encode_str = json.JSONEncoder(ensure_ascii=False).encode


def _emit(value: Any, out: list[str], indent: int | None, level: int) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as JSON")
        out.append(format(value, "f"))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Mapping):
        _emit_items(
            [(_encode_str(str(k)) + ": ", v) for k, v in value.items()], "{", "}", out, indent, level
        )
    elif isinstance(value, (list, tuple)):
        _emit_items([("", v) for v in value], "[", "]", out, indent, level)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON (floats are not allowed)")


def _emit_items(items: list[tuple[str, Any]], open_: str, close: str, out: list[str], indent: int | None, level: int) -> None:
    if not items:
        out.append(open_ + close)
        return
    if indent is None:
        out.append(open_)
        for i, (prefix, v) in enumerate(items):
            if i:
                out.append(", ")
            out.append(prefix)
            _emit(v, out, indent, level)
        out.append(close)
        return
    inner = "\n" + " " * (indent * (level + 1))
    out.append(open_)
    for i, (prefix, v) in enumerate(items):
        out.append(("," if i else "") + inner + prefix)
        _emit(v, out, indent, level + 1)
    out.append("\n" + " " * (indent * level) + close)

"""Dealing a unit's open sampled respondents to interviewers: round robin, or balanced."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from .errors import AssignmentError
from .model import RespondentStatus, SampledRespondent


class AssignmentStrategy(StrEnum):
    """round_robin: deal in (stratum, draw order); balanced: least loaded in stratum, then total."""

    ROUND_ROBIN = "round_robin"
    BALANCED = "balanced"


def strategy_of(strategy: AssignmentStrategy | str) -> AssignmentStrategy:
    """The strategy named, or AssignmentError."""
    try:
        return AssignmentStrategy(strategy)
    except ValueError:
        raise AssignmentError(f"unknown strategy {strategy!r} (expected round_robin or balanced)") from None


def interviewer_names(interviewers: Iterable[str]) -> list[str]:
    """The distinct interviewers in name order; at least one, all named."""
    names = sorted(set(interviewers))
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise AssignmentError("assignment needs at least one interviewer, all named")
    return names


def deal(
    todo: Sequence[SampledRespondent],
    names: Sequence[str],
    how: AssignmentStrategy,
    everyone: Iterable[SampledRespondent],
) -> dict[str, str]:
    """Set the interviewer of each of `todo` (in order); `everyone` counts the load already dealt."""
    if how is AssignmentStrategy.ROUND_ROBIN:
        return _round_robin(todo, names)
    return _balanced(todo, names, everyone)


def _round_robin(todo: Sequence[SampledRespondent], names: Sequence[str]) -> dict[str, str]:
    done: dict[str, str] = {}
    for k, r in enumerate(todo):
        r.interviewer = names[k % len(names)]
        done[r.respondent_id] = r.interviewer
    return done


def _balanced(
    todo: Sequence[SampledRespondent],
    names: Sequence[str],
    everyone: Iterable[SampledRespondent],
) -> dict[str, str]:
    total = {n: 0 for n in names}
    per_stratum: dict[tuple[str, str], int] = {}
    for r in everyone:
        if r.interviewer in total and r.status is not RespondentStatus.REPLACED:
            total[r.interviewer] += 1
            key = (r.stratum, r.interviewer)
            per_stratum[key] = per_stratum.get(key, 0) + 1
    done: dict[str, str] = {}
    for r in todo:
        pick = min(names, key=lambda n: (per_stratum.get((r.stratum, n), 0), total[n], n))
        r.interviewer = pick
        total[pick] += 1
        per_stratum[(r.stratum, pick)] = per_stratum.get((r.stratum, pick), 0) + 1
        done[r.respondent_id] = pick
    return done

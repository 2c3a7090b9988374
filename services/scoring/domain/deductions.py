"""Deductions: last record per id stands, revocations, caps, and what each deduction took off."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from jixiao.rules.decimals import ZERO, in_scoring_context
from jixiao.rules.errors import Problem
from jixiao.rules.model import Deduction, Revocation
from jixiao.rules.periods import date_in

from .model import DeductionLine

COUNTED, CAPPED, REVOKED, OUTSIDE_PERIOD = "counted", "capped", "revoked", "outside_period"


def resolve_deductions(entries: Iterable[Deduction | Revocation]) -> tuple[list[Deduction], list[Problem]]:
    """The standing deductions (one per id, first-seen order) and notices about futile revocations.

    The last record for an id stands (a later record with revoked=true revokes it). Revoking an
    already revoked deduction, or an unknown id, changes nothing and is reported.
    """
    state: dict[str, Deduction] = {}
    notices: list[Problem] = []
    for entry in entries:
        previous = state.get(entry.id)
        if isinstance(entry, Revocation):
            if previous is None:
                notices.append(
                    Problem(entry.source or entry.id, f"revocation of unknown deduction {entry.id!r} changes nothing")
                )
            elif previous.revoked:
                notices.append(
                    Problem(
                        entry.source or entry.id,
                        f"deduction {entry.id!r} is already revoked; revoking it again changes nothing",
                    )
                )
            else:
                state[entry.id] = replace(previous, revoked=True, source=entry.source or previous.source)
            continue
        if entry.revoked and previous is not None and previous.revoked:
            notices.append(
                Problem(
                    entry.source or entry.id,
                    f"deduction {entry.id!r} is already revoked; revoking it again changes nothing",
                )
            )
        state[entry.id] = entry
    return list(state.values()), notices


@in_scoring_context
def deduction_lines(
    deductions: Iterable[Deduction],
    kinds: frozenset[str],
    period: str,
    year: int,
    limit: Decimal | None,
) -> tuple[Decimal, tuple[DeductionLine, ...]]:
    """Σ points counted from the active deductions of `kinds` dated in `period`, at most `limit`.

    Deductions are taken by date (then first-seen order); once `limit` is reached the rest are
    capped, so the lines' `counted` always add up to the total.
    """
    total = ZERO
    lines: list[DeductionLine] = []
    for d in sorted((d for d in deductions if d.kind in kinds), key=lambda d: d.date):
        if d.revoked:
            counted, status = ZERO, REVOKED
        elif not date_in(d.date, period, year):
            counted, status = ZERO, OUTSIDE_PERIOD
        else:
            counted = d.points if limit is None else max(ZERO, min(d.points, limit - total))
            status = COUNTED if counted == d.points else CAPPED
        total += counted
        lines.append(
            DeductionLine(
                d.id,
                d.kind,
                d.date,
                d.points,
                counted,
                status,
                d.source,
                aspect=d.aspect,
                inspection=d.inspection,
                appeal=d.appeal,
                appeal_outcome=d.appeal_outcome,
                reason=d.revoke_reason,
            )
        )
    return total, tuple(lines)

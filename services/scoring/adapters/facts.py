"""Translation at the boundary: source events → fact rows, stored rows → the domain's values.

No scoring rule lives here: rows are only reshaped into `Plan`, `Unit` and `UnitFacts` so the
domain (services.scoring.domain) can score them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from google.protobuf.message import Message

from jixiao.errors import FieldProblem, InvalidInput
from jixiao.fact_digest import result_id_of, version_of  # noqa: F401  (re-exported: a fact's key is the kernel's)
from jixiao.rules import plan as rules_plan
from jixiao.rules.errors import PlanError
from jixiao.rules.model import (
    Deduction,
    Plan,
    Result,
    Revocation,
    RoundScore,
    StratumStat,
    Unit,
    UnitFacts,
    Veto,
)

# --- payload fields ------------------------------------------------------------------------------


def decimal_field(value: str, path: str, *, required: bool = True) -> Decimal | None:
    """A decimal carried as a string in an event; InvalidInput (the event is parked) if malformed."""
    if value == "" and not required:
        return None
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError):
        raise InvalidInput(
            f"{path}: not a decimal: {value!r}", problems=[FieldProblem(path, "not a decimal")]
        ) from None
    if not number.is_finite():
        raise InvalidInput(f"{path}: not a finite decimal: {value!r}", problems=[FieldProblem(path, "not finite")])
    return number


def date_field(value: str, path: str) -> dt.date:
    """An ISO date carried in an event."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{path}: not an ISO date: {value!r}", problems=[FieldProblem(path, "not an ISO date")]
        ) from None


def parse_plan_json(plan_json: str) -> Plan:
    """The plan of a PlanPublished event ({"plan": ..., "indicators": [...]}), validated by the rules."""
    try:
        return rules_plan.parse_plan_json(plan_json)
    except PlanError as exc:
        raise InvalidInput(
            f"invalid plan: {exc}", problems=[FieldProblem(p.path, p.message) for p in exc.problems]
        ) from None


# --- stored rows → domain ---------------------------------------------------------------------


def unit_from_row(row: Any) -> Unit:
    return Unit(row.unit_id, row.name, row.kind, row.group or row.kind, row.parent or None)


@dataclass(frozen=True)
class FactRows:
    """One unit's stored fact rows (any order)."""

    results: Sequence[Any] = ()
    targets: Sequence[Any] = ()
    rounds: Sequence[Any] = ()
    deductions: Sequence[Any] = ()
    vetoes: Sequence[Any] = ()


def unit_facts(rows: FactRows) -> UnitFacts:
    """The domain's UnitFacts from stored rows: confirmed results before a newer pending one,
    precomputed survey round scores, deductions (a revocation of an unseen id as a Revocation),
    vetoes not lifted."""
    ordered = sorted(rows.results, key=lambda r: (r.result_id, r.version, not r.confirmed))
    results = tuple(_result(r) for r in ordered)
    targets = {r.indicator_id: r.target for r in rows.targets}
    rounds = {r.round_id: _round(r) for r in rows.rounds if r.score is not None}
    deductions: list[Deduction | Revocation] = []
    for r in sorted(rows.deductions, key=lambda r: r.deduction_id):
        source = f"deduction {r.deduction_id}@v{r.version}"
        if r.recorded:
            deductions.append(
                Deduction(
                    r.deduction_id,
                    r.kind,
                    r.points,
                    r.date,
                    r.revoked,
                    r.aspect or None,
                    None,
                    source=source,
                    inspection=getattr(r, "inspection_id", None) or None,
                    appeal=getattr(r, "appeal_id", None) or None,
                    appeal_outcome=getattr(r, "appeal_outcome", None) or None,
                    revoke_reason=(getattr(r, "reason", None) or None) if r.revoked else None,
                )
            )
        else:
            deductions.append(Revocation(r.deduction_id, source=source))
    vetoes = tuple(
        Veto(r.veto_id, r.category, r.date, r.document or None)
        for r in sorted(rows.vetoes, key=lambda r: r.veto_id)
        if not r.lifted and r.category is not None
    )
    return UnitFacts(results=results, targets=targets, round_scores=rounds, deductions=tuple(deductions), vetoes=vetoes)


def _result(r: Any) -> Result:
    return Result(
        r.indicator_id,
        r.period,
        r.confirmed,
        r.part or None,
        actual=r.actual,
        rating=r.rating,
        done=r.done,
        points=r.points,
        source=f"result {r.result_id}@v{r.version}",
        budget=getattr(r, "budget", None),
        spent=getattr(r, "spent", None),
        confirmed_by=(getattr(r, "confirmed_by", None) or None) if r.confirmed else None,
        confirmed_at=(getattr(r, "confirmed_at", None) or None) if r.confirmed else None,
    )


def _round(r: Any) -> RoundScore:
    strata = tuple(
        StratumStat(s["stratum"], int(s["n"]), Decimal(s["mean"]), Decimal(s["sd"]), Decimal(s["weight"]))
        for s in json.loads(r.strata_json)
    )
    if getattr(r, "external", False):  # supplied from outside: used as given, no SE, no strata
        return RoundScore(r.round_id, r.score, Decimal(0), (), True, r.source or None, r.document or None)
    return RoundScore(r.round_id, r.score, r.se if r.se is not None else Decimal(0), strata)


def strata_json(strata: Iterable[Message], path: str) -> str:
    """The StratumScore messages of a SurveyScoreUpdated as JSON text (decimals kept as strings)."""
    out = []
    for i, s in enumerate(strata):
        for name in ("mean", "sd", "weight"):
            decimal_field(getattr(s, name) or "0", f"{path}[{i}].{name}")
        out.append(
            {"stratum": s.stratum, "n": s.n, "mean": s.mean or "0", "sd": s.sd or "0", "weight": s.weight or "0"}
        )
    return json.dumps(out)


# --- scores → wire ---------------------------------------------------------------------------------


def score_message_fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an events.v1.UnitScore from a results/v1 unit entry (decimals as strings)."""

    def text(value: Any) -> str:
        return "" if value is None else format(Decimal(value), "f")

    return {
        "unit_id": entry["unit"],
        "group": entry["group"],
        "status": entry["status"],
        "components": {k: text(v) for k, v in entry["components"].items()},
        "survey_se": text(entry.get("survey_se")),
        "total": text(entry.get("total")),
        "grade": entry.get("grade") or "",
        "rank": int(entry.get("rank") or 0),
        "vetoed": bool(entry["vetoed"]),
        "award_eligible": bool(entry["award_eligible"]),
        "missing": list(entry["missing"]),
    }

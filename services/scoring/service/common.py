"""What every scoring use case shares: its dependencies, the period checks, provisional entries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jixiao.errors import FieldProblem, InvalidInput
from jixiao.rules import exactjson
from jixiao.rules.exactjson import dumps
from jixiao.rules.model import Plan
from jixiao.rules.periods import PERIODS
from services.scoring.adapters.clients import AbstractSnapshotClient
from services.scoring.adapters.facts import parse_plan_json
from services.scoring.adapters.score_reads import AbstractScoreReads, RepositoryScoreReads
from services.scoring.service.metrics import ScoringMetrics, scoring_metrics
from services.scoring.service.unit_of_work import AbstractUnitOfWork

YEAR = "Y"
ERROR = "error"  # stored status of a unit whose facts the rules refuse

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class PlanCache:
    """Parsed plans per (plan, version): a stored plan row is parsed once per process."""

    def __init__(self) -> None:
        self._plans: dict[tuple[str, int], Plan] = {}

    def of(self, row: Any) -> Plan:
        """The parsed plan of a stored plan row."""
        key = (row.plan_id, row.version)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = parse_plan_json(row.plan_json)
        return plan


@dataclass
class Dependencies:
    """What the use cases need besides their arguments: a fresh unit of work, the sources' snapshot
    clients, metrics, the plan cache and the hot reads (one per process, built in app.py; fakes in
    unit tests)."""

    uow_factory: Callable[[], AbstractUnitOfWork]
    clients: dict[str, AbstractSnapshotClient] = field(default_factory=dict)
    metrics: ScoringMetrics = field(default_factory=scoring_metrics)
    plans: PlanCache = field(default_factory=PlanCache)
    reads: AbstractScoreReads | None = None  # None: through the units of work (app.py gives the SQL one)

    def __post_init__(self) -> None:
        if self.reads is None:
            self.reads = RepositoryScoreReads(self.uow_factory)


def provisional_entry(entry: Mapping[str, Any], period: str) -> dict[str, Any]:
    """A results/v1 entry as a provisional (not yet graded) score: status `provisional` unless incomplete."""
    out = dict(entry)
    if out.get("status") == "final":
        out["status"] = "provisional"
    return out


def plain_entries(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Entries in the same shape as read back from stored JSON (so diffs compare like with like)."""
    return [exactjson.loads(dumps(e, indent=None)) for e in entries]


def check_period(period: str) -> None:
    """InvalidInput unless `period` is one of the plan periods."""
    if period not in PERIODS:
        raise InvalidInput(
            f"unknown period {period!r} (expected one of {', '.join(PERIODS)})",
            problems=[FieldProblem("period", "unknown period")],
        )


class NotGradable(InvalidInput):
    """A period the plan does not appraise: its scores are progress checks, never graded."""


def check_gradable(plan: Plan, period: str) -> None:
    """NotGradable unless `period` is the year or one of the plan's `graded_periods`."""
    check_period(period)
    if not plan.is_graded(period):
        graded = ", ".join(plan.graded_periods)
        raise NotGradable(
            f"plan {plan.id!r} grades {graded}; {period!r} is a progress check (provisional)",
            problems=[FieldProblem("period", "not gradable")],
        )

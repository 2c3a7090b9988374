"""The use cases of the scoring service (one module per family; this is the single entry point).

- recompute: source facts → provisional scores (the consumer, per batch);
- reconcile: the sources' snapshots → facts (before a close or re-score);
- closing: grade, rank and publish a graded snapshot; the close-request worker;
- rescore: recompute everything from the sources and report the diff;
- queries: results, unit scores, history, rankings, snapshots, consistency.

Each is a function over `Dependencies` (a unit-of-work factory, the snapshot clients, metrics).
"""

from __future__ import annotations

from typing import Any

from services.scoring.adapters.source_events import Touch, apply_event

from .closing import CloseReport, close_period, run_close_requests
from .common import ERROR, YEAR, Dependencies, PlanCache, Progress, check_gradable, check_period, provisional_entry
from .queries import consistency, history, provisional_entries, rankings, results, results_doc, snapshots, unit_score
from .recompute import Touched, Trigger, recompute, recompute_touched, score_and_grade
from .reconcile import APPLY_CHUNK, reconcile
from .rescore import RescoreReport, rescore

__all__ = [
    "ERROR",
    "YEAR",
    "Dependencies",
    "PlanCache",
    "Progress",
    "ScoringService",
    "check_gradable",
    "check_period",
    "provisional_entry",
    "Touch",
    "Touched",
    "Trigger",
    "apply_event",
    "recompute",
    "recompute_touched",
    "score_and_grade",
    "APPLY_CHUNK",
    "reconcile",
    "CloseReport",
    "close_period",
    "run_close_requests",
    "RescoreReport",
    "rescore",
    "consistency",
    "history",
    "provisional_entries",
    "rankings",
    "results",
    "results_doc",
    "snapshots",
    "unit_score",
]


class ScoringService(Dependencies):
    """The process's dependencies as app.py wires them (`runtime.extras["scoring"]`).

    The methods only forward to the use cases, for callers that hold this object (integration tests
    of scoring and of its neighbours); new code calls the functions above.
    """

    async def close_period(self, plan_id: str, period: str, actor: str, **kwargs: Any) -> CloseReport:
        """`closing.close_period` with these dependencies."""
        return await close_period(self, plan_id, period, actor, **kwargs)

    async def run_close_requests(self) -> int:
        """`closing.run_close_requests` with these dependencies."""
        return await run_close_requests(self)

    async def results_doc(self, plan_id: str, period: str, version: int | None = None) -> tuple[dict[str, Any], int]:
        """`queries.results_doc` with these dependencies."""
        return await results_doc(self, plan_id, period, version)

    async def snapshots(self, plan_id: str, period: str) -> list[dict[str, Any]]:
        """`queries.snapshots` with these dependencies."""
        return await snapshots(self, plan_id, period)

    async def consistency(self, plan_id: str) -> dict[str, Any]:
        """`queries.consistency` with these dependencies."""
        return await consistency(self, plan_id)

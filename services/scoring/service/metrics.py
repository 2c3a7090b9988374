"""The scoring service's own metrics (the kernel counts consumed events and consumer lag)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

from jixiao.metrics import LATENCY_BUCKETS

_EVENT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)


@dataclass(frozen=True)
class ScoringMetrics:
    recompute_latency: Histogram
    event_to_score_latency: Histogram
    units_recomputed: Counter
    scores_published: Counter
    periods_closed: Counter


@cache
def scoring_metrics(registry: CollectorRegistry = REGISTRY) -> ScoringMetrics:
    """Created once per process and registry."""
    return ScoringMetrics(
        recompute_latency=Histogram(
            "jixiao_scoring_recompute_duration_seconds",
            "Time to recompute the affected units of one batch or close",
            ["trigger"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        event_to_score_latency=Histogram(
            "jixiao_scoring_event_to_score_latency_seconds",
            "From a source event's occurred_at to its UnitScoreUpdated written",
            buckets=_EVENT_BUCKETS,
            registry=registry,
        ),
        units_recomputed=Counter(
            "jixiao_scoring_units_recomputed_total", "Unit scores recomputed", ["outcome"], registry=registry
        ),
        scores_published=Counter(
            "jixiao_scoring_scores_published_total", "Score events written to the outbox", ["type"], registry=registry
        ),
        periods_closed=Counter(
            "jixiao_scoring_periods_closed_total", "ClosePeriod runs by outcome", ["outcome"], registry=registry
        ),
    )

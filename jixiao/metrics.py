"""Prometheus metrics of the kernel, named `jixiao_<svc>_<noun>_<unit>`, one set per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass(frozen=True)
class KernelMetrics:
    """The metrics every service exposes on /metrics."""

    http_requests: Counter
    http_latency: Histogram
    outbox_backlog: Gauge
    outbox_published: Counter
    outbox_publish_latency: Histogram
    outbox_dead_letters: Counter
    events_consumed: Counter
    consumer_lag: Gauge
    consumer_resyncs: Counter
    consumer_resync_repairs: Counter
    relay_failures: Counter
    outbox_oldest_age: Gauge


@cache
def kernel_metrics(service: str, registry: CollectorRegistry = REGISTRY) -> KernelMetrics:
    """Create (once per service name and registry) the kernel's metrics."""
    p = f"jixiao_{service}"
    return KernelMetrics(
        http_requests=Counter(
            f"{p}_http_requests_total", "HTTP requests handled", ["method", "route", "status"], registry=registry
        ),
        http_latency=Histogram(
            f"{p}_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        outbox_backlog=Gauge(f"{p}_outbox_backlog_events", "Outbox rows not yet published", registry=registry),
        outbox_published=Counter(
            f"{p}_outbox_published_events_total", "Outbox rows published to Kafka", ["topic"], registry=registry
        ),
        outbox_publish_latency=Histogram(
            f"{p}_outbox_publish_latency_seconds",
            "From outbox commit to broker acknowledgement",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        outbox_dead_letters=Counter(
            f"{p}_outbox_dead_letters_total",
            "Outbox rows the broker refused, moved to outbox_dead_letters",
            ["type"],
            registry=registry,
        ),
        events_consumed=Counter(
            f"{p}_events_consumed_total", "Events consumed by type and outcome", ["type", "outcome"], registry=registry
        ),
        consumer_lag=Gauge(
            f"{p}_consumer_lag_events", "Messages behind the high-water mark", ["topic", "partition"], registry=registry
        ),
        consumer_resyncs=Counter(
            f"{p}_consumer_resyncs_total",
            "Broker losses noticed (a log shorter or replayed, a topic gone)",
            ["reason"],
            registry=registry,
        ),
        consumer_resync_repairs=Counter(
            f"{p}_consumer_resync_repairs_total",
            "Facts a re-synchronisation from a source's SnapshotService changed (events the broker lost)",
            ["source"],
            registry=registry,
        ),
        relay_failures=Counter(
            f"{p}_relay_failures_total",
            "Relay sends or passes that failed (the broker refused an event or could not be reached)",
            ["kind"],
            registry=registry,
        ),
        outbox_oldest_age=Gauge(
            f"{p}_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest outbox row not yet published (0 when none waits)",
            registry=registry,
        ),
    )


def render(registry: CollectorRegistry = REGISTRY) -> tuple[bytes, str]:
    """The Prometheus text exposition of a registry and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST

"""Prometheus config and alert rules pass promtool; alerts and the Grafana dashboard name only metrics
the services really export (taken from the code's metric definitions, not from a list kept here)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from tools import DEPLOY

from jixiao.metrics import kernel_metrics
from jixiao.registry import SERVICES
from services.scoring.service.metrics import scoring_metrics

pytestmark = pytest.mark.unit

PROMETHEUS = DEPLOY / "prometheus"
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
    "untyped": ("",),
}
_SCRAPE = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}  # what Prometheus adds per target


def exported_names() -> set[str]:
    """Every sample name a service process exposes on /metrics: kernel metrics per service, scoring's
    own, and prometheus_client's default process/platform/GC collectors (the services use REGISTRY)."""
    registry = CollectorRegistry()
    for service in SERVICES:
        kernel_metrics(service, registry)
    scoring_metrics(registry)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    names = set()
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            base = name.removesuffix("_total") if kind == "counter" else name
            names.update(base + suffix for suffix in _SUFFIXES[kind])
    return names


def metric_references(expr: str) -> tuple[set[str], set[str]]:
    """(literal metric names, `__name__` regexes) used in a PromQL expression."""
    regexes = set(re.findall(r'__name__\s*=~\s*"([^"]+)"', expr))
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # no string literals
    bare = re.sub(r"\{[^}]*\}", "{}", bare)  # no label matchers
    bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", bare)
    bare = re.sub(r"\[[^\]]*\]", "", bare)  # no range durations
    names = {tok for tok in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", bare) if tok.startswith("jixiao_")}
    names |= {tok for tok in re.findall(r"\b[a-z_]+\b", bare) if tok in _SCRAPE}
    return names, regexes


def _check(expr: str, exported: set[str], where: str) -> list[str]:
    names, regexes = metric_references(expr)
    problems = [f"{where}: {n} is not exported" for n in sorted(names - exported - _SCRAPE)]
    problems += [
        f"{where}: __name__=~{r!r} matches no exported metric"
        for r in sorted(regexes)
        if not any(re.fullmatch(r, n) for n in exported)
    ]
    if not names and not regexes:
        problems.append(f"{where}: names no metric at all ({expr!r})")
    return problems


def test_the_metric_reference_parser_sees_names_and_regexes():
    names, regexes = metric_references(
        'sum by (job) (rate({__name__=~"jixiao_.+_x_total", le="+Inf"}[5m])) / jixiao_scoring_y_total{a="b"} and up == 0'
    )
    assert (names, regexes) == ({"jixiao_scoring_y_total", "up"}, {"jixiao_.+_x_total"})
    assert _check("jixiao_scoring_nonexistent_total", exported_names(), "t") == [
        "t: jixiao_scoring_nonexistent_total is not exported"
    ]


def test_promtool_accepts_the_rules_and_the_config(promtool):
    for args in (
        ["check", "rules", str(PROMETHEUS / "alerts.yml")],
        ["check", "config", str(PROMETHEUS / "prometheus.yml")],
    ):
        done = subprocess.run([promtool, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}{done.stderr}"


def test_promtool_unit_tests_of_the_alerts(promtool):
    done = subprocess.run(
        [promtool, "test", "rules", str(PROMETHEUS / "alerts.test.yml")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROMETHEUS,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_alerts_name_only_exported_metrics_and_each_has_a_runbook(yaml):
    exported = exported_names()
    rules = [r for g in yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"] for r in g["rules"]]
    problems = [p for r in rules for p in _check(r["expr"], exported, r.get("alert") or r.get("record"))]
    readme = (DEPLOY / "README.md").read_text()
    alerts = [r["alert"] for r in rules if "alert" in r]
    problems += [f"{a}: no runbook section '### {a}' in deploy/README.md" for a in alerts if f"### {a}\n" not in readme]
    problems += [
        f"{r['alert']}: runbook annotation does not point at its section"
        for r in rules
        if r.get("annotations", {}).get("runbook") != f"deploy/README.md#{r['alert'].lower()}"
    ]
    assert not problems, "\n".join(problems)
    assert {
        "JixiaoServiceDown",
        "JixiaoHttp5xxRatio",
        "JixiaoConsumerLagGrowing",
        "JixiaoOutboxBacklogOld",
        "JixiaoRelayFailing",
        "JixiaoDeadLetters",
        "JixiaoCloseWithoutScores",
    } <= set(alerts)


def _panels(dashboard: dict) -> list[dict]:
    out = []
    for panel in dashboard.get("panels", []):
        out.append(panel)
        out.extend(panel.get("panels", []))  # collapsed rows keep theirs inside
    return out


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboards_name_only_exported_metrics(path):
    exported = exported_names()
    dashboard = json.loads(path.read_text())
    targets = [
        (p.get("title", "?"), t["expr"]) for p in _panels(dashboard) for t in p.get("targets", []) if t.get("expr")
    ]
    assert len(targets) >= 8, "the dashboard lost its panels"
    problems = [p for title, expr in targets for p in _check(expr, exported, f"{path.name} / {title}")]
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") == "query":
            query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            problems += _check(query, exported, f"{path.name} / ${var['name']}")
    assert not problems, "\n".join(problems)


def test_a_dashboard_is_there():
    assert DASHBOARDS, "deploy/grafana/dashboards/ has no dashboard"

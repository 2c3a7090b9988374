"""Small hand-checkable bundles for the scoring tests (numbers are Decimals, as parsed JSON), and the
fakes of the scoring service's ports (repository, unit of work, snapshot clients) with event builders.

Tests get these builders through the `sf` fixture (the suite imports in importlib mode, so test
modules do not import each other).
"""

from __future__ import annotations

import copy
import dataclasses
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from jixiao.messaging.envelope import Envelope, make_envelope
from jixiao.proto.events.v1 import indicators_pb2, inspections_pb2
from jixiao.rules.bundle import parse_bundle
from jixiao.rules.exactjson import dumps
from services.scoring.adapters.clients import AbstractSnapshotClient
from services.scoring.adapters.fact_store import FACTS
from services.scoring.adapters.facts import FactRows
from services.scoring.adapters.held_facts import AbstractHeldFacts, key_columns
from services.scoring.adapters.repository import MAX_CLOSE_ATTEMPTS, AbstractScoringRepository
from services.scoring.domain.grading import score_bundle
from services.scoring.domain.model import UnitScore
from services.scoring.service.common import Dependencies
from services.scoring.service.metrics import scoring_metrics
from services.scoring.service.unit_of_work import AbstractUnitOfWork

BANDS = [
    {"grade": "excellent", "label": "优", "min": D(90)},
    {"grade": "good", "label": "良", "min": D(85)},
    {"grade": "fair", "label": "一般", "min": D(75)},
    {"grade": "poor", "label": "差", "min": None},
]

PLAN: dict[str, Any] = {
    "id": "t-2026",
    "name": "测试方案",
    "year": 2026,
    "components": [
        {"key": "indicators", "type": "indicators", "weight": D("0.8")},
        {"key": "survey", "type": "survey", "weight": D("0.2")},
        {"key": "inspection", "type": "penalty", "kinds": ["inspection"], "cap": D(3)},
    ],
    "grade_bands": BANDS,
    "awards": {"eligible_grades": ["excellent", "good"]},
    "veto": {"categories": ["work_safety", "environment"], "grade": None},
    "survey": {
        "rounds": [
            {"id": "mid", "weight": D("0.5"), "period": "H1"},
            {"id": "final", "weight": D("0.5"), "period": "Y"},
        ],
        "strata": {"resident": D("0.6"), "business": D("0.4")},
        "answer_scores": {"satisfied": D(100), "basically_satisfied": D(80), "dissatisfied": D(0)},
    },
}

# $.indicators[0] is a group; L1..L4 apply to every kind, L3 (composite) only to agencies.
INDICATORS: list[dict[str, Any]] = [
    {"id": "G", "name": "一级指标", "parent": None},
    {"id": "L1", "name": "比率", "parent": "G", "max_points": D(10), "target": D(100), "method": {"type": "ratio"}},
    {
        "id": "L2",
        "name": "评级",
        "parent": "G",
        "max_points": D(5),
        "method": {"type": "rating", "ratings": {"A": D(1), "B": D("0.5")}},
    },
    {
        "id": "L3",
        "name": "综合",
        "parent": "G",
        "max_points": D(5),
        "target": D(100),
        "applies_to": ["agency"],
        "method": {
            "type": "composite",
            "parts": [
                {"key": "completion", "weight": D("0.9"), "method": {"type": "ratio"}},
                {"key": "innovation", "weight": D("0.1"), "method": {"type": "boolean"}},
            ],
        },
    },
    {"id": "L4", "name": "手工", "parent": "G", "max_points": D(5), "method": {"type": "manual"}},
]

UNITS: list[dict[str, Any]] = [
    {"id": "v1", "name": "一村", "kind": "village", "group": "villages"},
    {"id": "v2", "name": "二村", "kind": "village", "group": "villages"},
    {"id": "a1", "name": "甲所", "kind": "agency"},
]

# a manual-only, indicators-only plan: a unit's total is exactly the points it is given
MANUAL_PLAN: dict[str, Any] = {
    **PLAN,
    "components": [{"key": "indicators", "type": "indicators", "weight": D(1)}],
}
MANUAL_INDICATORS = [{"id": "M", "name": "手工", "parent": None, "max_points": D(100), "method": {"type": "manual"}}]


def bundle(
    *,
    plan: dict | None = None,
    indicators: list | None = None,
    units: list | None = None,
    **records: list,
) -> dict[str, Any]:
    """A bundle dict from the defaults above and the given record lists."""
    doc: dict[str, Any] = {
        "format": "jixiao.bundle/v1",
        "plan": copy.deepcopy(plan if plan is not None else PLAN),
        "units": copy.deepcopy(units if units is not None else UNITS),
        "indicators": copy.deepcopy(indicators if indicators is not None else INDICATORS),
    }
    for key in ("targets", "results", "survey_strata", "survey_responses", "deductions", "vetoes"):
        doc[key] = copy.deepcopy(records.pop(key, []))
    assert not records, f"unknown record lists {sorted(records)}"
    return doc


def score(doc: dict[str, Any], period: str = "Y") -> dict[str, UnitScore]:
    """Parse and score a bundle dict; the scores by unit id."""
    return {s.unit: s for s in score_bundle(parse_bundle(doc), period)}


def result(unit: str, indicator: str, period: str = "Y", confirmed: bool = True, **value: Any) -> dict[str, Any]:
    """A result record."""
    return {"unit": unit, "indicator": indicator, "period": period, "confirmed": confirmed, **value}


def response(rid: str, unit: str, rnd: str, stratum: str, *answers: str | None) -> dict[str, Any]:
    """A survey response record."""
    return {"id": rid, "unit": unit, "round": rnd, "stratum": stratum, "mode": "phone", "answers": list(answers)}


def deduction(
    did: str, unit: str, points: Any, date: str = "2026-05-01", kind: str = "inspection", revoked: bool = False
) -> dict[str, Any]:
    """A deduction record."""
    return {"id": did, "unit": unit, "kind": kind, "points": D(str(points)), "date": date, "revoked": revoked}


def manual(unit: str, points: str) -> dict[str, Any]:
    """A confirmed manual result for MANUAL_PLAN's only leaf."""
    return result(unit, "M", points=D(points))


def survey_for(unit: str, prefix: str = "") -> list[dict[str, Any]]:
    """One satisfied resident in each round: survey score exactly 100."""
    return [
        response(f"{prefix}{unit}-mid", unit, "mid", "resident", "satisfied"),
        response(f"{prefix}{unit}-final", unit, "final", "resident", "satisfied"),
    ]


# --- fakes of the service's ports ------------------------------------------------------------------


def _row(**values: Any) -> SimpleNamespace:
    return SimpleNamespace(**values)


@dataclasses.dataclass
class ScoringState:
    """Everything the fake repository stores (what the scoring schema holds), and the outbox."""

    facts: dict[str, dict[tuple, SimpleNamespace]] = dataclasses.field(default_factory=dict)
    scores: dict[tuple[str, str, str], SimpleNamespace] = dataclasses.field(default_factory=dict)
    history: list[SimpleNamespace] = dataclasses.field(default_factory=list)
    snapshots: dict[tuple[str, str, int], SimpleNamespace] = dataclasses.field(default_factory=dict)
    snapshot_scores: dict[tuple[str, str, int, str], SimpleNamespace] = dataclasses.field(default_factory=dict)
    close_requests: list[SimpleNamespace] = dataclasses.field(default_factory=list)
    applied: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)  # plan -> source -> events
    person_eligibility: dict[tuple[str, str, int, str], SimpleNamespace] = dataclasses.field(default_factory=dict)
    objections: dict[tuple[str, str, str], SimpleNamespace] = dataclasses.field(default_factory=dict)
    outbox: list[Envelope] = dataclasses.field(default_factory=list)  # committed events
    locks: list[tuple] = dataclasses.field(default_factory=list)


class FakeStore:
    """The fake database: one state shared by every unit of work, and a clock that ticks per write."""

    def __init__(self) -> None:
        self.state = ScoringState()
        self.now = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)
        self.commits = 0

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class FakeScoringRepository(AbstractScoringRepository):
    """The SQL repository's behaviour over dicts: latest version wins, copies out (rows are snapshots)."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    @property
    def st(self) -> ScoringState:
        return self.store.state

    async def store_facts(self, writes):
        """One write at a time, in order: the reference the SQL batch must equal."""
        changed = []
        for w in writes:
            hit = await self.upsert_latest(w.fact, w.values, w.update)
            if not hit and w.fill:
                fill = self.fill_deduction_details if w.fact == "deductions" else self.fill_veto_details
                hit = await fill(w.values)
            changed.append(hit)
        return changed

    async def upsert_latest(self, fact, values, update=None):
        table = FACTS[fact]
        keys = [c.name for c in table.primary_key.columns]
        rows = self.st.facts.setdefault(fact, {})
        key = tuple(values[k] for k in keys)
        old = rows.get(key)
        if old is None:
            rows[key] = _row(**{**{c.name: None for c in table.c if c.name != "updated_at"}, **values})
            return True
        if old.version >= values["version"]:
            return False
        for c in list(update) if update is not None else [k for k in values if k not in keys]:
            setattr(old, c, values[c])
        return True

    def _fact(self, fact: str, values: dict, name: str) -> SimpleNamespace | None:
        return self.st.facts.get(fact, {}).get((values["plan_id"], values["unit_id"], values[name]))

    async def fill_deduction_details(self, values):
        row = self._fact("deductions", values, "deduction_id")
        if row is None or row.recorded:
            return False
        row.recorded = True
        for c in ("kind", "points", "date", "aspect", "person", "inspection_id"):
            setattr(row, c, values.get(c))
        return True

    async def fill_veto_details(self, values):
        row = self._fact("vetoes", values, "veto_id")
        if row is None or row.category is not None:
            return False
        for c in ("category", "date", "document"):
            setattr(row, c, values[c])
        return True

    async def plan_row(self, plan_id):
        return copy.copy(self.st.facts.get("plans", {}).get((plan_id,)))

    async def plans_mentioning(self, text):
        rows = [r for r in self.st.facts.get("plans", {}).values() if text in r.plan_json]
        return [copy.copy(r) for r in sorted(rows, key=lambda r: r.plan_id)]

    async def unit_rows(self, plan_id, unit_ids=None):
        wanted = None if unit_ids is None else set(unit_ids)
        rows = [
            r
            for r in self.st.facts.get("units", {}).values()
            if r.plan_id == plan_id and (wanted is None or r.unit_id in wanted)
        ]
        return [copy.copy(r) for r in sorted(rows, key=lambda r: r.unit_id)]

    async def fact_rows(self, plan_id, unit_ids):
        names = {
            "results": "results",
            "targets": "targets",
            "rounds": "survey_rounds",
            "deductions": "deductions",
            "vetoes": "vetoes",
        }
        grouped: dict[str, dict[str, list]] = {u: {} for u in unit_ids}
        for name, fact in names.items():
            for r in self.st.facts.get(fact, {}).values():
                if r.plan_id == plan_id and r.unit_id in grouped:
                    grouped[r.unit_id].setdefault(name, []).append(copy.copy(r))
        return {u: FactRows(**parts) for u, parts in grouped.items()}

    async def result_periods(self, plan_id, unit_ids):
        out: dict[str, set[str]] = {}
        for r in self.st.facts.get("results", {}).values():
            if r.plan_id == plan_id and r.unit_id in unit_ids:
                out.setdefault(r.unit_id, set()).add(r.period)
        return out

    async def lock_units(self, plan_id, unit_ids):
        self.st.locks.append(("units", plan_id, tuple(sorted(unit_ids))))

    async def lock_plan(self, plan_id, *, exclusive):
        self.st.locks.append(("plan", plan_id, exclusive))

    async def lock_period(self, plan_id, period):
        self.st.locks.append(("period", plan_id, period))

    async def current_scores(self, plan_id, period, unit_ids=None):
        return {
            u: copy.copy(r)
            for (p, u, q), r in self.st.scores.items()
            if p == plan_id and q == period and (unit_ids is None or u in unit_ids)
        }

    async def save_scores(self, rows):
        for values in rows:
            key = (values["plan_id"], values["unit_id"], values["period"])
            self.st.scores[key] = _row(**values, updated_at=self.store.tick())

    async def add_history(self, rows):
        for r in rows:
            self.st.history.append(_row(id=len(self.st.history) + 1, created_at=self.store.tick(), **r))

    async def history(self, plan_id, unit_id, period):
        return [copy.copy(r) for r in self.st.history if (r.plan_id, r.unit_id, r.period) == (plan_id, unit_id, period)]

    async def snapshot(self, plan_id, period, version=None):
        found = sorted(
            (r for (p, q, _), r in self.st.snapshots.items() if (p, q) == (plan_id, period)), key=lambda r: r.version
        )
        if version:
            found = [r for r in found if r.version == version]
        return copy.copy(found[-1]) if found else None

    async def snapshots(self, plan_id, period):
        return [copy.copy(r) for (p, q, _), r in sorted(self.st.snapshots.items()) if (p, q) == (plan_id, period)]

    async def snapshot_score(self, plan_id, period, version, unit_id):
        return copy.copy(self.st.snapshot_scores.get((plan_id, period, version, unit_id)))

    async def add_snapshot(self, snapshot, scores):
        key = (snapshot["plan_id"], snapshot["period"], snapshot["version"])
        assert key not in self.st.snapshots, f"snapshot {key} written twice"
        self.st.snapshots[key] = _row(created_at=self.store.tick(), **snapshot)
        for s in scores:
            self.st.snapshot_scores[(s["plan_id"], s["period"], s["version"], s["unit_id"])] = _row(**s)

    async def name_objections(self, plan_id, period, objection_ids, actor):
        for o in objection_ids:
            self.st.objections.setdefault(
                (plan_id, period, o), _row(objection_id=o, named_by=actor, snapshot_version=None)
            )

    async def attach_objections(self, plan_id, period, version):
        ids = []
        for (p, q, o), row in self.st.objections.items():
            if (p, q) == (plan_id, period) and row.snapshot_version is None:
                row.snapshot_version = version
                ids.append(o)
        return sorted(ids)

    async def objections(self, plan_id, period):
        return [copy.copy(r) for (p, q, _), r in sorted(self.st.objections.items()) if (p, q) == (plan_id, period)]

    async def request_close(self, plan_id, period, actor):
        self.st.close_requests.append(
            _row(
                id=len(self.st.close_requests) + 1,
                plan_id=plan_id,
                period=period,
                actor=actor,
                attempts=0,
                last_error=None,
            )
        )

    async def claim_close_request(self):
        waiting = [r for r in self.st.close_requests if r.attempts < MAX_CLOSE_ATTEMPTS]
        return copy.copy(min(waiting, key=lambda r: r.id)) if waiting else None

    async def finish_close_request(self, request_id):
        self.st.close_requests = [r for r in self.st.close_requests if r.id != request_id]

    async def fail_close_request(self, request_id, error):
        for r in self.st.close_requests:
            if r.id == request_id:
                r.attempts, r.last_error = r.attempts + 1, error[:2000]

    async def applied_by_source(self, plan_id):
        return dict(self.st.applied.get(plan_id, {}))

    async def people_rows(self, plan_id):
        rows = [r for r in self.st.facts.get("people_facts", {}).values() if r.plan_id == plan_id]
        return [copy.copy(r) for r in sorted(rows, key=lambda r: (r.kind, r.fact_id))]

    async def person_deduction_rows(self, plan_id):
        rows = [
            r
            for r in self.st.facts.get("deductions", {}).values()
            if r.plan_id == plan_id and getattr(r, "person", None) and r.recorded and not r.revoked
        ]
        return [copy.copy(r) for r in sorted(rows, key=lambda r: (r.person, r.deduction_id))]

    async def add_person_eligibility(self, rows):
        for r in rows:
            key = (r["plan_id"], r["period"], r["version"], r["staff_id"])
            assert key not in self.st.person_eligibility, f"eligibility {key} written twice"
            self.st.person_eligibility[key] = _row(**r)

    async def person_eligibility(self, plan_id, period, version):
        return [
            copy.copy(r) for k, r in sorted(self.st.person_eligibility.items()) if k[:3] == (plan_id, period, version)
        ]


class FakeHeldFacts(AbstractHeldFacts):
    """The held facts of the fake repository's fact rows, keyed like the SQL tables."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def facts(self, plan_id):
        out = []
        for name, rows in self.store.state.facts.items():
            keys = key_columns(FACTS[name])
            for row in rows.values():
                if row.plan_id == plan_id and getattr(row, "confirmed", True):
                    out.append((name, tuple(str(getattr(row, k)) for k in keys), int(row.version)))
        return out


class FakeUnitOfWork(AbstractUnitOfWork):
    """A transaction over the FakeStore: leaving the block without commit() restores the state it found
    (or left at its last commit). Events wait in the transaction and reach the outbox on commit."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self._saved: ScoringState | None = None
        self._pending: list[Envelope] = []

    async def __aenter__(self):
        self._saved = copy.deepcopy(self.store.state)
        self._pending = []
        self.repo = FakeScoringRepository(self.store)
        self.held = FakeHeldFacts(self.store)
        return self

    async def __aexit__(self, *exc) -> None:
        if self._saved is not None:
            self.store.state = self._saved
            self._saved = None

    async def commit(self) -> None:
        self.store.state.outbox.extend(self._pending)
        self._pending = []
        self._saved = copy.deepcopy(self.store.state)  # what follows in the block is a new transaction
        self.store.commits += 1

    async def emit(self, payload, *, plan_id, unit_id="", aggregate_id="", version=0):
        env = make_envelope(
            source="scoring",
            payload=payload,
            plan_id=plan_id,
            unit_id=unit_id,
            aggregate_id=aggregate_id,
            version=version,
        )
        self._pending.append(env)
        return env


class FakeSnapshotClient(AbstractSnapshotClient):
    """A source's snapshot in memory: tests append corrections to `envelopes`."""

    def __init__(self, source: str, envelopes: list[Envelope] | None = None) -> None:
        self.source = source
        self.envelopes = list(envelopes or [])
        self.calls = 0
        self.closed = False

    async def stream(self, plan_id, period=""):
        self.calls += 1
        return [e for e in self.envelopes if e.plan_id == plan_id]

    async def iterate(self, plan_id, period=""):
        for env in await self.stream(plan_id, period):
            yield env

    async def position(self, plan_id):
        return sum(1 for e in self.envelopes if e.plan_id == plan_id)

    async def close(self):
        self.closed = True


def fake_dependencies(store: FakeStore, clients: list[FakeSnapshotClient] | None = None) -> Dependencies:
    """The use cases' dependencies over the fakes, with metrics in a registry of their own."""
    return Dependencies(
        lambda: FakeUnitOfWork(store), {c.source: c for c in clients or []}, scoring_metrics(CollectorRegistry())
    )


# --- source events (MANUAL_PLAN: a unit's total is exactly its manual points) ---------------------------


def plan_published(plan: dict | None = None, indicators: list | None = None, version: int = 1) -> Envelope:
    """The PlanPublished of MANUAL_PLAN (or the given plan) at `version`."""
    plan = plan if plan is not None else MANUAL_PLAN
    doc = {"plan": plan, "indicators": indicators if indicators is not None else MANUAL_INDICATORS}
    return make_envelope(
        source="indicators",
        plan_id=plan["id"],
        aggregate_id=plan["id"],
        version=version,
        payload=indicators_pb2.PlanPublished(
            plan_id=plan["id"], year=plan["year"], version=version, plan_json=dumps(doc, indent=None)
        ),
    )


def unit_upserted(unit: dict, plan_id: str = "t-2026", version: int = 1) -> Envelope:
    """The UnitUpserted of one of UNITS."""
    return make_envelope(
        source="indicators",
        plan_id=plan_id,
        unit_id=unit["id"],
        aggregate_id=unit["id"],
        version=version,
        payload=indicators_pb2.UnitUpserted(
            plan_id=plan_id,
            unit_id=unit["id"],
            name=unit["name"],
            kind=unit["kind"],
            group=unit.get("group", ""),
            version=version,
        ),
    )


def points_confirmed(unit: str, points: str, version: int = 1, period: str = "Y", plan_id: str = "t-2026") -> Envelope:
    """A confirmed manual result for MANUAL_PLAN's leaf M (points as the decimal text of the event)."""
    rid = f"{unit}:M@{period}"
    return make_envelope(
        source="indicators",
        plan_id=plan_id,
        unit_id=unit,
        aggregate_id=rid,
        version=version,
        payload=indicators_pb2.IndicatorResultConfirmed(
            plan_id=plan_id,
            unit_id=unit,
            indicator_id="M",
            period=period,
            result_id=rid,
            version=version,
            points=points,
            confirmed=True,
            confirmed_by="assessor",
        ),
    )


def period_closed(period: str = "Y", plan_id: str = "t-2026") -> Envelope:
    """Indicators closed a period (scoring queues a close request)."""
    return make_envelope(
        source="indicators",
        plan_id=plan_id,
        payload=indicators_pb2.PeriodClosed(plan_id=plan_id, period=period, closed_by="office"),
    )


def deduction_recorded(did: str, unit: str, points: str, version: int = 1, plan_id: str = "t-2026") -> Envelope:
    """An inspection deduction."""
    return make_envelope(
        source="inspections",
        plan_id=plan_id,
        unit_id=unit,
        aggregate_id=did,
        version=version,
        payload=inspections_pb2.DeductionRecorded(
            plan_id=plan_id,
            unit_id=unit,
            deduction_id=did,
            kind="inspection",
            points=points,
            date="2026-05-01",
            version=version,
        ),
    )


def deduction_revoked(did: str, unit: str, version: int = 2, plan_id: str = "t-2026") -> Envelope:
    """An inspection deduction revoked on appeal."""
    return make_envelope(
        source="inspections",
        plan_id=plan_id,
        unit_id=unit,
        aggregate_id=did,
        version=version,
        payload=inspections_pb2.DeductionRevoked(
            plan_id=plan_id, unit_id=unit, deduction_id=did, reason="appeal upheld", version=version
        ),
    )


def year_events(points: dict[str, str] | None = None) -> list[Envelope]:
    """MANUAL_PLAN, its three units and one manual result each (default v1 92.345, v2 80, a1 86.5)."""
    points = points or {"v1": "92.345", "v2": "80", "a1": "86.5"}
    return [plan_published(), *(unit_upserted(u) for u in UNITS), *(points_confirmed(u, p) for u, p in points.items())]


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def deps(store: FakeStore) -> Dependencies:
    return fake_dependencies(store)


@pytest.fixture(scope="session")
def sf():
    """The scoring test builders of this module (bundle, score, result, response, ...)."""
    return sys.modules[__name__]

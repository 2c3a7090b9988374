"""Builders and fakes for the surveys unit tests, exposed as fixtures (no cross-module imports)."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from jixiao.testing import fakes
from services.surveys.adapters.external import AbstractExternalScoreRepository, ExternalScoreRecord
from services.surveys.adapters.fieldwork import AbstractFieldworkRepository
from services.surveys.adapters.plans import AbstractPlanRepository
from services.surveys.adapters.repository import AbstractSurveysRepository
from services.surveys.adapters.responses import AbstractResponseRepository, InsertOutcome
from services.surveys.domain.sampling import FrameKey
from services.surveys.service.unit_of_work import AbstractUnitOfWork

Row = tuple[str, str, str, str, str]


def _make_keys(sizes: dict[str, int]) -> list[FrameKey]:
    return [FrameKey(f"{stratum}-{i:05d}", stratum) for stratum, n in sizes.items() for i in range(n)]


def _frame_csv(rows: list[Row], header: str = "respondent_id,stratum,name,phone,address") -> bytes:
    lines = [header] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _person_rows(keys: list[FrameKey], seed: int = 7) -> list[Row]:
    rng = random.Random(seed)
    return [
        (
            k.respondent_id,
            k.stratum,
            rng.choice("王李张刘陈杨赵黄周吴") + rng.choice("伟芳娜敏静丽强磊军洋"),
            f"13{rng.randrange(10)}{rng.randrange(10**8):08d}",
            f"白莲镇{rng.randrange(1, 30)}村{rng.randrange(1, 200)}号",
        )
        for k in keys
    ]


@pytest.fixture
def make_keys() -> Callable[[dict[str, int]], list[FrameKey]]:
    """Opaque ids per stratum: make_keys({"business": 3}) -> business-00000 ..."""
    return _make_keys


@pytest.fixture
def frame_csv() -> Callable[..., bytes]:
    """CSV bytes with the standard header (or another) and the given rows."""
    return _frame_csv


@pytest.fixture
def person_rows() -> Callable[..., list[Row]]:
    """Frame rows with made-up names, mobile numbers and addresses for the given keys."""
    return _person_rows


class FakePlanRepository(AbstractPlanRepository):
    """In memory: plans, rounds, weights and units (rounds as records: no questionnaires)."""

    def __init__(self) -> None:
        super().__init__()
        self.plans, self.rounds, self.units, self.weights = {}, {}, {}, {}
        self.unit_versions: dict[tuple[str, str], int] = {}

    async def get_plan(self, plan_id):
        return self.plans.get(plan_id)

    async def save_plan(self, plan):
        old = self.plans.get(plan.plan_id)
        self.plans[plan.plan_id] = replace(plan, version=max(plan.version, old.version if old else 0))

    async def unit_ids(self, plan_id):
        return set(self.units.get(plan_id, set()))

    async def add_units(self, plan_id, units):
        self.units.setdefault(plan_id, set()).update(u for u, _, _ in units)

    async def upsert_unit(self, plan_id, unit_id, name, kind, version):
        if self.unit_versions.get((plan_id, unit_id), 0) >= version:
            return False
        self.unit_versions[(plan_id, unit_id)] = version
        self.units.setdefault(plan_id, set()).add(unit_id)
        return True

    async def stratum_weights(self, plan_id):
        w = self.weights.get(plan_id, {})
        return {"": {}, **{u: dict(v) for u, v in w.items()}}

    async def set_stratum_weights(self, plan_id, unit_id, weights, *, replace=False):
        stored = self.weights.setdefault(plan_id, {}).setdefault(unit_id, {})
        if replace:
            stored.clear()
        stored.update(weights)

    async def list_rounds(self, plan_id):
        return sorted(self.rounds.get(plan_id, {}).values(), key=lambda r: r.position)

    async def upsert_round(self, plan_id, rnd):
        self.rounds.setdefault(plan_id, {})[rnd.round_id] = rnd

    async def load_round(self, *a, **k):
        raise NotImplementedError

    async def save_round(self, rnd):
        raise NotImplementedError


class FakeResponseRepository(AbstractResponseRepository):
    """In memory: responses with their aggregates, and scores; plan locks are only counted."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: dict[tuple[str, str], object] = {}
        self.aggregates: dict[tuple[str, str, str, str, str], int] = {}
        self.scores: dict[tuple[str, str, str], object] = {}
        self.locks: list[str] = []

    async def lock_plan_scores(self, plan_id):
        self.locks.append(plan_id)

    async def insert_responses(self, plan_id, rows, keys_of, source="import"):
        accepted, differing, same = [], [], 0
        for r in rows:
            old = self.responses.get((plan_id, r.response_id))
            if old is None:
                self.responses[(plan_id, r.response_id)] = r
                key = (plan_id, r.unit_id, r.round_id, r.stratum, keys_of([r])[0])
                self.aggregates[key] = self.aggregates.get(key, 0) + 1
                accepted.append(r)
            elif old == r:
                same += 1
            else:
                differing.append(r.response_id)
        return InsertOutcome(accepted, same, sorted(differing))

    async def responses_of(self, plan_id, pairs):
        out = {p: [] for p in pairs}
        for (p, _), r in self.responses.items():
            if p == plan_id and (r.unit_id, r.round_id) in out:
                out[(r.unit_id, r.round_id)].append(r)
        return out

    async def scan_responses(self, plan_id):
        yield [r for (p, _), r in self.responses.items() if p == plan_id]

    async def answers_in_use(self, plan_id):
        return {a for (p, _), r in self.responses.items() if p == plan_id for a in r.answers if a is not None}

    async def aggregates_of(self, plan_id, pairs):
        out = {p: {} for p in pairs}
        for (p, u, rnd, s, k), n in self.aggregates.items():
            if p == plan_id and (u, rnd) in out and n:
                out[(u, rnd)].setdefault(s, {})[k] = n
        return out

    async def replace_aggregates(self, plan_id, counts):
        self.aggregates = {k: n for k, n in self.aggregates.items() if k[0] != plan_id}
        self.aggregates.update({(plan_id, *k): n for k, n in counts.items()})

    async def scored_strata(self, plan_id):
        return {(u, s) for (p, u, _, s, k), n in self.aggregates.items() if p == plan_id and k and n}

    async def unit_rounds_with_responses(self, plan_id):
        return {(u, r) for (p, u, r, _, _), n in self.aggregates.items() if p == plan_id and n}

    async def get_scores(self, plan_id, *, unit_id=None, round_id=None):
        return [
            s
            for (p, u, r), s in sorted(self.scores.items())
            if p == plan_id and unit_id in (None, u) and round_id in (None, r)
        ]

    async def save_score(self, plan_id, score):
        self.scores[(plan_id, score.unit_id, score.round_id)] = score


class FakeFieldworkRepository(AbstractFieldworkRepository):
    """Frames, samples and fieldwork are tested on PostgreSQL (tests/integration/surveys)."""

    async def current_frame(self, *a):
        raise NotImplementedError

    async def replace_frame(self, *a):
        raise NotImplementedError

    async def frame_keys(self, *a):
        raise NotImplementedError

    async def frame_members(self, *a):
        raise NotImplementedError

    async def get_sample(self, *a, **k):
        raise NotImplementedError

    async def save_sample(self, *a):
        raise NotImplementedError

    async def load_fieldwork(self, *a):
        raise NotImplementedError

    async def save_fieldwork(self, *a):
        raise NotImplementedError

    async def assignments_of(self, *a):
        raise NotImplementedError


class FakeExternalScoreRepository(AbstractExternalScoreRepository):
    """External scores in a dict by (plan, unit, round)."""

    def __init__(self) -> None:
        super().__init__()
        self.external: dict[tuple[str, str, str], ExternalScoreRecord] = {}

    async def external_scores(self, plan_id, *, unit_id=None, round_id=None):
        return [
            e
            for (p, u, r), e in sorted(self.external.items())
            if p == plan_id and unit_id in (None, u) and round_id in (None, r)
        ]

    async def save_external_score(self, plan_id, record):
        self.external[(plan_id, record.unit_id, record.round_id)] = record

    async def delete_external_score(self, plan_id, unit_id, round_id):
        self.external.pop((plan_id, unit_id, round_id), None)


class FakeSurveysRepository(
    FakePlanRepository,
    FakeResponseRepository,
    FakeFieldworkRepository,
    FakeExternalScoreRepository,
    AbstractSurveysRepository,
):
    """The three area fakes as one `uow.repo`, like SqlAlchemySurveysRepository."""


class FakeUnitOfWork(fakes.FakeUnitOfWork, AbstractUnitOfWork):
    """Commits into the fake repository; `published` keeps (envelope, payload) once committed."""

    source = "surveys"

    def __init__(self) -> None:
        super().__init__()
        self.repo = FakeSurveysRepository()
        self.audit_rows: list[dict] = []  # committed audit rows (action, entity, before, after)
        self._audit_pending: list[dict] = []

    def snapshot(self):
        r = self.repo
        self._audit_pending = []
        return copy.deepcopy((r.responses, r.aggregates, r.scores, r.plans, r.weights, r.rounds, r.external))

    def restore(self, saved) -> None:
        r = self.repo
        r.responses, r.aggregates, r.scores, r.plans, r.weights, r.rounds, r.external = saved
        self._audit_pending = []

    async def audit(self, action, *, entity_type, entity_id, after=None, before=None):
        self._audit_pending.append(
            {"action": action, "entity_type": entity_type, "entity_id": entity_id, "before": before, "after": after}
        )

    async def commit(self) -> None:
        await super().commit()
        self.audit_rows.extend(self._audit_pending)
        self._audit_pending = []

    def to_publish(self, env, payload):
        return env, payload


@pytest.fixture
def fake_uow() -> Callable[[], FakeUnitOfWork]:
    """A new FakeUnitOfWork (with its FakeSurveysRepository) per call."""
    return FakeUnitOfWork

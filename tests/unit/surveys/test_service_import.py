"""The surveys handlers on fakes: validation, idempotency, versions and events, settings."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest

from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import make_envelope
from services.surveys.adapters.repository import AbstractSurveysRepository, InsertOutcome, PlanRecord, RoundRecord
from services.surveys.service import handlers
from services.surveys.settings import DEFAULT_PII_KEY, SurveysSettings

pytestmark = pytest.mark.unit
D = Decimal


class FakeSurveysRepository(AbstractSurveysRepository):
    """In memory: plans, rounds, weights, responses and scores (frames and fieldwork are not used here)."""

    def __init__(self) -> None:
        self.plans, self.rounds, self.units, self.weights = {}, {}, {}, {}
        self.responses: dict[tuple[str, str], object] = {}
        self.scores: dict[tuple[str, str, str], object] = {}

    async def get_plan(self, plan_id):
        return self.plans.get(plan_id)

    async def save_plan(self, plan):
        self.plans[plan.plan_id] = plan

    async def unit_ids(self, plan_id):
        return set(self.units.get(plan_id, set()))

    async def add_units(self, plan_id, units):
        self.units.setdefault(plan_id, set()).update(u for u, _, _ in units)

    async def stratum_weights(self, plan_id):
        w = self.weights.get(plan_id, {})
        return {"": {}, **{u: dict(v) for u, v in w.items()}}

    async def set_stratum_weights(self, plan_id, unit_id, weights):
        self.weights.setdefault(plan_id, {}).setdefault(unit_id, {}).update(weights)

    async def list_rounds(self, plan_id):
        return sorted(self.rounds.get(plan_id, {}).values(), key=lambda r: r.position)

    async def upsert_round(self, plan_id, rnd):
        self.rounds.setdefault(plan_id, {})[rnd.round_id] = rnd

    async def load_round(self, *a, **k):
        raise NotImplementedError

    async def save_round(self, rnd):
        raise NotImplementedError

    async def insert_responses(self, plan_id, rows, source="import"):
        accepted, differing, same = [], [], 0
        for r in rows:
            old = self.responses.get((plan_id, r.response_id))
            if old is None:
                self.responses[(plan_id, r.response_id)] = r
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

    async def unit_rounds_with_responses(self, plan_id):
        return {(r.unit_id, r.round_id) for (p, _), r in self.responses.items() if p == plan_id}

    async def get_scores(self, plan_id, *, unit_id=None, round_id=None):
        return [s for (p, u, r), s in sorted(self.scores.items())
                if p == plan_id and unit_id in (None, u) and round_id in (None, r)]

    async def save_score(self, plan_id, score):
        self.scores[(plan_id, score.unit_id, score.round_id)] = score

    async def current_frame(self, *a): raise NotImplementedError
    async def replace_frame(self, *a): raise NotImplementedError
    async def frame_keys(self, *a): raise NotImplementedError
    async def frame_members(self, *a): raise NotImplementedError
    async def get_sample(self, *a, **k): raise NotImplementedError
    async def save_sample(self, *a): raise NotImplementedError
    async def load_fieldwork(self, *a): raise NotImplementedError
    async def save_fieldwork(self, *a): raise NotImplementedError
    async def assignments_of(self, *a): raise NotImplementedError


class FakeUnitOfWork:
    """Commits into the fake repository; events are kept in `published` once committed."""

    def __init__(self) -> None:
        self.repo = FakeSurveysRepository()
        self.published: list = []
        self._pending: list = []
        self.commits = 0

    async def __aenter__(self):
        self._pending = []
        self._snapshot = (dict(self.repo.responses), dict(self.repo.scores))
        return self

    async def __aexit__(self, *exc):
        if self._pending is not None and exc[0] is not None:
            self.repo.responses, self.repo.scores = self._snapshot  # rollback what tests look at

    async def emit(self, payload, *, plan_id, unit_id="", aggregate_id="", version=0):
        env = make_envelope(source="surveys", payload=payload, plan_id=plan_id, unit_id=unit_id,
                            aggregate_id=aggregate_id, version=version)
        self._pending.append((env, payload))
        return env

    async def commit(self):
        self.published += self._pending
        self._pending = []
        self.commits += 1


def plan(**strata) -> dict:
    return {"plan": {"id": "p", "name": "p", "year": 2026,
                     "components": [{"key": "survey", "type": "survey", "weight": 1}],
                     "grade_bands": [{"grade": "ok", "label": "ok", "min": None}],
                     "awards": {"eligible_grades": []}, "veto": {"categories": [], "grade": None},
                     "survey": {"rounds": [{"id": "mid", "weight": D("0.5"), "period": "H1"}],
                                "strata": strata or {"a": D("0.25"), "b": D("0.75")},
                                "answer_scores": {"yes": 100, "half": 50, "no": 0}}},
            "units": [{"id": "u1"}], "survey_strata": []}


def resp(i, stratum, *answers, unit="u1", rnd="mid"):
    return {"id": f"r{i}", "unit": unit, "round": rnd, "stratum": stratum, "mode": "phone", "answers": list(answers)}


async def test_import_scores_and_publishes_then_is_idempotent():
    uow = FakeUnitOfWork()
    doc = plan()
    doc["survey_responses"] = [resp(1, "a", "yes"), resp(2, "a", "no"), resp(3, "b", "half", None)]
    out = await handlers.import_bundle(uow, doc)
    assert out["survey_responses"]["accepted"] == 3 and out["survey_responses"]["scores_updated"] == 1
    [(env, payload)] = uow.published
    # S = 0.25·50 + 0.75·50 = 50; SE² = 0.0625·5000/2 = 156.25
    assert (payload.unit_id, payload.round_id, payload.version, D(payload.score), D(payload.se)) == ("u1", "mid", 1, 50, D("12.5"))
    assert env.aggregate_version == 1 and env.unit_id == "u1"
    again = await handlers.import_bundle(uow, doc)
    assert again["survey_responses"]["accepted"] == 0 and again["survey_responses"]["unchanged"] == 3
    assert len(uow.published) == 1


async def test_differing_redelivery_is_ignored_and_reported_and_versions_grow():
    uow = FakeUnitOfWork()
    await handlers.import_bundle(uow, plan())
    await handlers.import_responses(uow, "p", [resp(1, "a", "yes")])
    out = await handlers.import_responses(uow, "p", [resp(1, "a", "no"), resp(2, "b", "no"), resp(2, "b", "yes")])
    assert out["accepted"] == 1 and out["differing_ids"] == ["r1", "r2"]
    assert [p.version for _, p in uow.published] == [1, 2]
    with localcontext() as ctx:
        ctx.prec = 28
        assert D(uow.published[-1][1].score) == D(25)  # 0.25·100 + 0.75·0


async def test_rejected_responses_name_their_paths_and_store_nothing():
    uow = FakeUnitOfWork()
    await handlers.import_bundle(uow, plan())
    with pytest.raises(InvalidInput) as err:
        await handlers.import_responses(uow, "p", [resp(1, "a", "yes"), resp(2, "z", "yes"), resp(3, "a", "maybe"),
                                                   resp(4, "a", "yes", unit="u9"), resp(5, "a", "yes", rnd="end")])
    assert [p.path for p in err.value.problems] == ["$.survey_responses[1].stratum", "$.survey_responses[2].answers[0]",
                                                     "$.survey_responses[3].unit", "$.survey_responses[4].round"]
    assert uow.repo.responses == {} and uow.published == []


async def test_weight_change_rescores_and_republishes():
    uow = FakeUnitOfWork()
    doc = plan()
    doc["survey_responses"] = [resp(1, "a", "yes"), resp(2, "b", "no")]
    await handlers.import_bundle(uow, doc)
    out = await handlers.define_plan(uow, plan(a=D(1), b=D(1)))
    assert out["scores_updated"] == 1
    assert (uow.published[-1][1].version, D(uow.published[-1][1].score)) == (2, D(50))


def test_settings_refuse_the_default_pii_key_outside_local_mode():
    assert SurveysSettings().pii_key.get_secret_value() == DEFAULT_PII_KEY
    with pytest.raises(ValueError, match="JIXIAO_PII_KEY"):
        SurveysSettings(env="production")
    with pytest.raises(ValueError, match="JIXIAO_PII_KEY"):
        SurveysSettings(pii_key="not-a-key")
    with pytest.raises(ValueError):
        SurveysSettings().check_against("production")
    from services.surveys.adapters.pii import generate_key
    SurveysSettings(env="production", pii_key=generate_key()).check_against("production")

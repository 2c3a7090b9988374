"""Helpers every area's use cases share: ids, the plan context, loading a round, parsing a plan,
refusals, the personal-data encryption context and re-drawing a stored sample."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.errors import Conflict, FieldProblem, InvalidInput, NotFound
from jixiao.logging import get_logger
from jixiao.rules.errors import PlanError
from jixiao.rules.model import Plan
from jixiao.rules.plan import parse_plan
from services.surveys.adapters.fieldwork import SampleRecord
from services.surveys.adapters.plans import PlanRecord, RoundRecord
from services.surveys.adapters.repository import AbstractSurveysRepository
from services.surveys.domain.rounds import Round
from services.surveys.domain.sampling import Sample, draw_sample

log = get_logger("surveys.service")


def new_id() -> str:
    """A new random id (frames)."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class PlanContext:
    """What validation and scoring need to know about a plan, loaded once per use case."""

    plan: PlanRecord
    rounds: dict[str, RoundRecord]
    units: set[str]
    weights: dict[str, dict[str, Decimal]]  # '' = defaults, else per-unit overrides

    def unit_weights(self, unit_id: str) -> dict[str, Decimal]:
        """W_h of a unit: its overrides over the plan's defaults."""
        return {**self.weights.get("", {}), **self.weights.get(unit_id, {})}

    @property
    def groups(self) -> tuple[str, ...]:
        """Every stratum (respondent group) the plan weighs, defaults first."""
        names = list(self.weights.get("", {}))
        for unit, w in sorted(self.weights.items()):
            if unit:
                names.extend(s for s in w if s not in names)
        return tuple(names)


async def load_context(repo: AbstractSurveysRepository, plan_id: str) -> PlanContext:
    """A plan with its rounds, units and stratum weights; NotFound if the service does not know it."""
    plan = await repo.get_plan(plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id!r} is not known to the surveys service")
    rounds = {r.round_id: r for r in await repo.list_rounds(plan_id)}
    return PlanContext(plan, rounds, await repo.unit_ids(plan_id), await repo.stratum_weights(plan_id))


def read_plan(plan: Any, problems: list[FieldProblem]) -> Plan | None:
    """The plan as the scoring rules parse it, or None with their problems added to `problems`."""
    try:
        return parse_plan(plan, [])
    except PlanError as exc:
        problems.extend(FieldProblem(p.path, p.message) for p in exc.problems)
        return None


def refused(what: str, problems: list[FieldProblem]) -> InvalidInput:
    """The 422 of a document refused as a whole (nothing stored)."""
    return InvalidInput(f"{what} was rejected ({len(problems)} problem(s)); nothing was stored", problems=problems)


async def load_round(repo: AbstractSurveysRepository, ctx: PlanContext, round_id: str, *, lock: bool = False) -> Round:
    """A round of the plan with its questionnaires (locked for update if asked); NotFound if none."""
    rnd = await repo.load_round(ctx.plan.plan_id, round_id, ctx.groups, ctx.plan.answer_scores, lock=lock)
    if rnd is None:
        raise NotFound(f"plan {ctx.plan.plan_id!r} has no round {round_id!r}")
    return rnd


def pii_context(respondent_id: str, column: str) -> str:
    """What a personal-data cell's encryption is bound to: its respondent and column."""
    return f"{respondent_id}/{column}"


async def redraw_sample(repo: AbstractSurveysRepository, rec: SampleRecord) -> Sample:
    """A stored sample drawn again from its frame and seed; Conflict if the frame changed since."""
    keys = await repo.frame_keys(rec.frame_id)
    fixed = rec.allocation == "fixed"  # the quotas the round fixed are the stored allocation
    sample = draw_sample(
        keys,
        rec.size,
        rec.seed,
        allocation=rec.allocation,
        sds=rec.sds,
        reserve_rate=rec.reserve_rate,
        quotas=rec.allocated if fixed else None,
    )
    if sample.frame_sha256 != rec.frame_sha256:
        raise Conflict("the stored frame no longer matches the sample's frame hash")
    return sample

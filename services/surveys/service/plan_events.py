"""Plans and units published by the indicators service, applied inside the consumer's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from jixiao.errors import FieldProblem
from jixiao.rules.errors import PlanError
from jixiao.rules.plan import load_plan_json
from services.surveys.domain.errors import PlanEventRejected, UnitEventRejected

from .common import log, read_plan
from .plans import apply_plan_change, store_plan
from .unit_of_work import AbstractUnitOfWork


def _listed(problems: Sequence[FieldProblem], most: int = 5) -> str:
    """Problems in the error's detail: a parked event keeps only that text."""
    more = f" (and {len(problems) - most} more)" if len(problems) > most else ""
    return "; ".join(str(p) for p in problems[:most]) + more


async def apply_plan_published(uow: AbstractUnitOfWork, plan_id: str, version: int, plan_json: str) -> str:
    """PlanPublished, inside the consumer's transaction: a newer version of the plan configures its
    rounds, default strata weights and answer scores (and re-scores stored responses if they
    changed); an older or the same version is ignored. Returns what it did; raises
    PlanEventRejected (the consumer parks the event) when the plan cannot be taken."""
    if not plan_id or version <= 0:
        raise PlanEventRejected(f"PlanPublished without a plan id or a version (plan {plan_id!r}, v{version})")
    try:
        plan, _indicators = load_plan_json(plan_json)
    except PlanError as exc:
        raise PlanEventRejected(
            f"PlanPublished {plan_id} v{version}: plan_json is not a plan document: {exc}"
        ) from None
    if plan.get("id") != plan_id:
        raise PlanEventRejected(f"PlanPublished {plan_id} v{version}: plan_json must hold the plan {plan_id!r}")
    problems: list[FieldProblem] = []
    parsed = read_plan(plan, problems)
    if parsed is None:
        raise PlanEventRejected(
            f"PlanPublished {plan_id} v{version}: the plan is invalid: {_listed(problems)}", problems=problems
        )
    if parsed.survey is None:
        log.info("plan.ignored", plan_id=plan_id, version=version, reason="no survey part")
        return "no survey"
    await uow.repo.lock_plan_scores(plan_id)
    stored = await uow.repo.get_plan(plan_id)
    if stored is not None and stored.version >= version:
        log.info("plan.ignored", plan_id=plan_id, version=version, applied=stored.version, reason="stale")
        return "stale"
    change = await store_plan(uow.repo, parsed, [], [], problems, version=version)
    if change is None:
        raise PlanEventRejected(
            f"PlanPublished {plan_id} v{version} was refused: {_listed(problems)}", problems=problems
        )
    report = await apply_plan_change(uow, change)
    log.info("plan.applied", plan_id=plan_id, version=version, scores_updated=report.scores_updated)
    return "applied"


async def apply_unit_upserted(
    uow: AbstractUnitOfWork, plan_id: str, unit_id: str, name: str, kind: str, version: int
) -> bool:
    """UnitUpserted, inside the consumer's transaction: the unit becomes known to the plan's survey
    (responses, frames and samples may name it); an older or the same version is ignored."""
    if not plan_id or not unit_id or version <= 0:
        raise UnitEventRejected(
            f"UnitUpserted without a plan id, unit id or version (plan {plan_id!r}, unit {unit_id!r}, v{version})"
        )
    # the plan's lock before any row of it, like every other writer: an import holding the lock and
    # waiting for this unit's row while this transaction waits for the lock would be a deadlock
    await uow.repo.lock_plan_scores(plan_id)
    changed = await uow.repo.upsert_unit(plan_id, unit_id, name, kind, version)
    if changed:
        await uow.audit(
            "unit.upserted",
            entity_type="unit",
            entity_id=f"{plan_id}:{unit_id}",
            after={"name": name, "kind": kind, "version": version},
        )
    return changed

"""`POST /v1/import`: a plan's survey part, its units, per-unit strata and responses in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jixiao.errors import FieldProblem, InvalidInput

from .common import load_context, log, read_plan, refused
from .external import store_external_scores, validate_external_scores
from .plans import apply_plan_change, store_plan
from .responses import validate_responses
from .unit_of_work import AbstractUnitOfWork


async def import_bundle(uow: AbstractUnitOfWork, doc: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
    """`POST /v1/import`: plan (rounds, strata), units, per-unit strata, responses and external
    scores (the county office's own evaluation of a unit in a round), idempotently.

    A plan without a survey part is not this service's: nothing is stored (survey records for it
    are refused, as scoring.md rejects them). With `dry_run` the transaction is rolled back."""
    async with uow:
        problems: list[FieldProblem] = []
        parsed = read_plan(doc.get("plan"), problems)
        if parsed is not None and parsed.survey is None:
            return _without_survey(parsed.id, doc, dry_run)
        change = parsed and await store_plan(uow.repo, parsed, doc.get("units"), doc.get("survey_strata"), problems)
        if not change:
            raise refused("the bundle", problems)
        ctx = await load_context(uow.repo, change.plan_id)
        records = doc.get("survey_responses") or []
        if not isinstance(records, list):
            raise InvalidInput(
                "survey_responses must be a list", problems=[FieldProblem("$.survey_responses", "must be a list")]
            )
        rows, problems = validate_responses(ctx, records)
        externals = doc.get("survey_external_scores") or []
        if not isinstance(externals, list):
            raise InvalidInput(
                "survey_external_scores must be a list",
                problems=[FieldProblem("$.survey_external_scores", "must be a list")],
            )
        external_rows, external_problems = validate_external_scores(ctx, externals, entered_by="import")
        problems += external_problems
        if problems:
            raise InvalidInput(f"{len(problems)} problem(s) in the bundle; nothing was stored", problems=problems)
        # when weights or answer scores changed, every (unit, round) with responses is re-scored
        # external scores first: a round they cover is not published from its responses in between
        external_changed = await store_external_scores(uow, ctx, external_rows)
        report = await apply_plan_change(uow, change, rows)
        if not dry_run:
            await uow.commit()
    result = {
        "plan": change.plan_id,
        **change.counts,
        "survey_responses": report.as_dict(),
        "survey_external_scores": {"received": len(external_rows), "changed": external_changed},
    }
    if dry_run:
        return {**result, "dry_run": True}
    log.info("bundle.imported", plan_id=change.plan_id, accepted=report.accepted, scores_updated=report.scores_updated)
    return result


def _without_survey(plan_id: str, doc: Mapping[str, Any], dry_run: bool) -> dict[str, Any]:
    """A plan without a survey part (a bureau's): nothing here is ours; survey records are refused."""
    problems = [
        FieldProblem(f"$.{key}", "the plan has no survey part")
        for key in ("survey_strata", "survey_responses", "survey_external_scores")
        if doc.get(key)
    ]
    if problems:
        raise refused("the bundle", problems)
    log.info("bundle.ignored", plan_id=plan_id, reason="no survey part")
    return {"plan": plan_id, "survey": "none: the plan has no survey part", **({"dry_run": True} if dry_run else {})}

"""`POST /v1/import`: a plan's survey part, its units, per-unit strata and responses in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jixiao.errors import FieldProblem, InvalidInput

from .common import load_context, log, read_plan, refused
from .plans import apply_plan_change, store_plan
from .responses import validate_responses
from .unit_of_work import AbstractUnitOfWork


async def import_bundle(uow: AbstractUnitOfWork, doc: Mapping[str, Any]) -> dict[str, Any]:
    """`POST /v1/import`: plan (rounds, strata), units, per-unit strata and responses, idempotently."""
    async with uow:
        problems: list[FieldProblem] = []
        parsed = read_plan(doc.get("plan"), problems)
        change = parsed and await store_plan(uow.repo, parsed, doc.get("units"), doc.get("survey_strata"), problems)
        if not change:
            raise refused("the bundle", problems)
        ctx = await load_context(uow.repo, change.plan_id)
        records = doc.get("survey_responses") or []
        if not isinstance(records, list):
            raise InvalidInput("survey_responses must be a list",
                               problems=[FieldProblem("$.survey_responses", "must be a list")])
        rows, problems = validate_responses(ctx, records)
        if problems:
            raise InvalidInput(f"{len(problems)} problem(s) in the bundle; nothing was stored", problems=problems)
        # when weights or answer scores changed, every (unit, round) with responses is re-scored
        report = await apply_plan_change(uow, change, rows)
        await uow.commit()
    result = {"plan": change.plan_id, **change.counts, "survey_responses": report.as_dict()}
    log.info("bundle.imported", plan_id=change.plan_id, accepted=report.accepted, scores_updated=report.scores_updated)
    return result

"""Survey scores supplied from outside (以县效能办等部门组织评议结果为准): where the county office runs
the public evaluation itself, it enters a unit's score per round instead of responses.

The score is used as given as the round score S_r (no SE, no strata); when the round also has
responses, the external score wins and the responses are kept but not counted. Removing it scores
the round from its responses again. Every entry, change and removal is audited and published as
a SurveyScoreUpdated (external, source, document) when the round score changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jixiao.errors import FieldProblem, InvalidInput, NotFound
from jixiao.rules.fields import Problems
from jixiao.rules.survey import check_external_score
from services.surveys.adapters.external import ExternalScoreRecord

from .common import PlanContext, load_context, log
from .scores import recompute_scores
from .unit_of_work import AbstractUnitOfWork


def validate_external_scores(
    ctx: PlanContext,
    records: Sequence[Any],
    base: str = "$.survey_external_scores",
    entered_by: str = "",
    single: bool = False,
) -> tuple[list[ExternalScoreRecord], list[FieldProblem]]:
    """Check external scores against the plan (the rules' `check_external_score`): known unit and
    round, score within [0, 100], source and document given, one per (unit, round)."""
    problems = Problems()
    out: list[ExternalScoreRecord] = []
    seen: dict[tuple[str, str], str] = {}
    for i, item in enumerate(records):
        at = base if single else f"{base}[{i}]"
        rs = check_external_score(item, at, problems, units=ctx.units, rounds=ctx.rounds)
        if rs is None:
            continue
        unit_id = item["unit"]
        if (unit_id, rs.round) in seen:
            problems.add(f"{at}.round", f"a second external score for unit {unit_id!r} and round {rs.round!r}")
            continue
        seen[unit_id, rs.round] = at
        note = item.get("note")
        out.append(
            ExternalScoreRecord(
                unit_id,
                rs.round,
                rs.score,
                rs.source or "",
                rs.document or "",
                note.strip() if isinstance(note, str) else "",
                entered_by,
            )
        )
    return out, [FieldProblem(p.path, p.message) for p in problems.items]


async def store_external_scores(
    uow: AbstractUnitOfWork, ctx: PlanContext, records: Sequence[ExternalScoreRecord]
) -> int:
    """Insert or replace external scores (unchanged ones do nothing), audit each change and re-score
    their rounds; the number of external scores that changed."""
    plan_id = ctx.plan.plan_id
    current = {(e.unit_id, e.round_id): e for e in await uow.repo.external_scores(plan_id)}
    changed: list[tuple[str, str]] = []
    for rec in records:
        old = current.get((rec.unit_id, rec.round_id))
        if rec.same_content(old):
            continue
        await uow.repo.save_external_score(plan_id, rec)
        await uow.audit(
            "external_score.replaced" if old else "external_score.entered",
            entity_type="external_score",
            entity_id=f"{plan_id}:{rec.unit_id}:{rec.round_id}",
            before=old.as_dict() if old else None,
            after=rec.as_dict(),
        )
        changed.append((rec.unit_id, rec.round_id))
    await recompute_scores(uow, plan_id, changed, ctx)
    return len(changed)


def _view(plan_id: str, e: ExternalScoreRecord) -> dict[str, Any]:
    return {"plan": plan_id, **e.as_dict()}


async def put_external_score(
    uow: AbstractUnitOfWork, plan_id: str, round_id: str, unit_id: str, body: Mapping[str, Any], actor: str
) -> dict[str, Any]:
    """`PUT .../rounds/{round}/units/{unit_id}/external-score`: enter or replace it (office only)."""
    async with uow:
        await uow.repo.lock_plan_scores(plan_id)
        ctx = await load_context(uow.repo, plan_id)
        if round_id not in ctx.rounds:
            raise NotFound(f"plan {plan_id!r} has no round {round_id!r}")
        if unit_id not in ctx.units:
            raise NotFound(f"plan {plan_id!r} has no unit {unit_id!r}")
        item = {**body, "unit": unit_id, "round": round_id}
        records, problems = validate_external_scores(ctx, [item], base="$", entered_by=actor, single=True)
        if problems:
            raise InvalidInput("the external score was refused; nothing was stored", problems=problems)
        await store_external_scores(uow, ctx, records)
        await uow.commit()
    log.info("external_score.stored", plan_id=plan_id, unit_id=unit_id, round_id=round_id)
    return _view(plan_id, records[0])


async def list_external_scores(
    uow: AbstractUnitOfWork, plan_id: str, *, unit_id: str | None = None, round_id: str | None = None
) -> list[dict[str, Any]]:
    async with uow:
        await load_context(uow.repo, plan_id)
        return [_view(plan_id, e) for e in await uow.repo.external_scores(plan_id, unit_id=unit_id, round_id=round_id)]


async def get_external_score(uow: AbstractUnitOfWork, plan_id: str, round_id: str, unit_id: str) -> dict[str, Any]:
    found = await list_external_scores(uow, plan_id, unit_id=unit_id, round_id=round_id)
    if not found:
        raise NotFound(f"no external score for unit {unit_id!r} in round {round_id!r}")
    return found[0]


async def remove_external_score(uow: AbstractUnitOfWork, plan_id: str, round_id: str, unit_id: str) -> None:
    """Remove an external score: the round is scored from its responses again (audited)."""
    async with uow:
        await uow.repo.lock_plan_scores(plan_id)
        ctx = await load_context(uow.repo, plan_id)
        found = await uow.repo.external_scores(plan_id, unit_id=unit_id, round_id=round_id)
        if not found:
            raise NotFound(f"no external score for unit {unit_id!r} in round {round_id!r}")
        await uow.repo.delete_external_score(plan_id, unit_id, round_id)
        await uow.audit(
            "external_score.removed",
            entity_type="external_score",
            entity_id=f"{plan_id}:{unit_id}:{round_id}",
            before=found[0].as_dict(),
        )
        await recompute_scores(uow, plan_id, [(unit_id, round_id)], ctx)
        await uow.commit()
    log.info("external_score.removed", plan_id=plan_id, unit_id=unit_id, round_id=round_id)

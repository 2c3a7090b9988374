"""Reconciliation: apply every source's snapshot of a plan, so a grade never depends on Kafka alone."""

from __future__ import annotations

import asyncio

from jixiao.logging import get_logger
from services.scoring.adapters.source_events import apply_events
from services.scoring.service.common import Dependencies, Progress

log = get_logger("scoring.handlers")

APPLY_CHUNK = 500  # envelopes applied per transaction


async def reconcile(
    deps: Dependencies, plan_id: str, period: str = "", progress: Progress | None = None
) -> dict[str, int]:
    """Apply every source's snapshot of the plan (latest version wins); returns envelopes per source.

    Runs before grading so a final grade never depends on Kafka having delivered everything. It
    stores facts only: the grading that follows recomputes every unit.
    """
    sources = sorted(deps.clients)
    streams = await asyncio.gather(*(deps.clients[s].stream(plan_id, period) for s in sources))
    counts = {s: len(envs) for s, envs in zip(sources, streams, strict=True)}
    envelopes = [env for envs in streams for env in envs]
    total = len(envelopes)
    if progress:
        progress("reconcile", 0, total)
    for start in range(0, total, APPLY_CHUNK):
        async with deps.uow_factory() as uow:
            changed = await apply_events(uow.repo, envelopes[start : start + APPLY_CHUNK], from_snapshot=True)
            repaired = list({env.event_id: env for _, env in changed}.values())
            if repaired:  # facts the broker had not delivered (or delivered older): a repair, audited
                await uow.audit(
                    "facts.repaired",
                    entity_type="plan",
                    entity_id=plan_id,
                    after={"plan_id": plan_id, "facts": len(repaired), "types": sorted({e.type for e in repaired})},
                )
            await uow.commit()
        if progress:
            progress("reconcile", min(total, start + APPLY_CHUNK), total)
    log.info("scoring.reconciled", plan=plan_id, envelopes=counts)
    return counts

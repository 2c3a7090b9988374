"""Samples: a unit's stratified quota random sample, drawn once from its frame with a stored seed."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from jixiao.errors import Conflict, NotFound
from services.surveys.adapters.fieldwork import FieldworkState, SampleRecord
from services.surveys.domain.fieldwork import Fieldwork
from services.surveys.domain.sampling import Sample, draw_sample

from .common import load_context, load_round, log, redraw_sample
from .unit_of_work import AbstractUnitOfWork


def sample_view(rec: SampleRecord, sample: Sample) -> dict[str, Any]:
    return {
        "plan": rec.plan_id,
        "round": rec.round_id,
        "unit": rec.unit_id,
        "algorithm": rec.algorithm,
        "seed": str(rec.seed),
        "frame_sha256": rec.frame_sha256,
        "allocation": rec.allocation,
        "size": rec.size,
        "sds": rec.sds,
        "reserve_rate": str(rec.reserve_rate),
        "allocated": rec.allocated,
        "allocated_by_area": sample.allocated_by_area(),
        "sampled": [{"respondent_id": k.respondent_id, "stratum": k.stratum} for k in sample.respondents()],
        "reserve": {h: list(sample.reserve(h)) for h in sample.strata},
    }


async def draw_unit_sample(
    uow: AbstractUnitOfWork,
    plan_id: str,
    round_id: str,
    unit_id: str,
    *,
    size: int | None,
    seed: int | None = None,
    allocation: str = "proportional",
    sds: Mapping[str, str] | None = None,
    reserve_rate: Decimal | str = "0",
    quotas: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Draw the unit's stratified quota random sample from its current frame (proportional, Neyman,
    or the quotas the round fixes; balanced across areas when the frame has them); store seed and
    frame hash."""
    seed = secrets.randbits(62) if seed is None else seed
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await load_round(uow.repo, ctx, round_id, lock=True)
        frame = await uow.repo.current_frame(plan_id, round_id, unit_id)
        if frame is None:
            raise Conflict(f"upload a frame for unit {unit_id!r} in round {round_id!r} first")
        if await uow.repo.get_sample(plan_id, round_id, unit_id) is not None:
            raise Conflict(f"unit {unit_id!r} already has a sample in round {round_id!r}")
        keys = await uow.repo.frame_keys(frame.frame_id)
        sds_dec = {h: Decimal(str(v)) for h, v in sds.items()} if sds else None
        sample = draw_sample(
            keys,
            size,
            seed,
            allocation=allocation,
            sds=sds_dec,
            reserve_rate=Decimal(str(reserve_rate)),
            quotas=quotas,
        )
        fw = Fieldwork.start(rnd, unit_id, sample)
        rec = SampleRecord(
            plan_id,
            round_id,
            unit_id,
            frame.frame_id,
            sample.algorithm,
            sample.seed,
            sample.frame_sha256,
            sample.allocation.value,
            sample.size,
            {h: str(v) for h, v in sample.sds.items()} if sample.sds else None,
            sample.reserve_rate,
            sample.allocated(),
        )
        await uow.repo.save_sample(rec)
        await uow.repo.save_fieldwork(plan_id, round_id, unit_id, FieldworkState(list(fw.respondents.values()), []), [])
        await uow.audit(
            "sample.drawn",
            entity_type="sample",
            entity_id=f"{plan_id}:{round_id}:{unit_id}",
            after={k: v for k, v in sample_view(rec, sample).items() if k != "reserve"},
        )
        await uow.commit()
    log.info(
        "sample.drawn", plan_id=plan_id, round_id=round_id, unit_id=unit_id, size=size, frame_sha256=rec.frame_sha256
    )
    return sample_view(rec, sample)


async def get_sample(uow: AbstractUnitOfWork, plan_id: str, round_id: str, unit_id: str) -> dict[str, Any]:
    async with uow:
        rec = await uow.repo.get_sample(plan_id, round_id, unit_id)
        if rec is None:
            raise NotFound(f"no sample for unit {unit_id!r} in round {round_id!r}")
        return sample_view(rec, await redraw_sample(uow.repo, rec))

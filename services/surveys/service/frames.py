"""Sampling frames: personal data is encrypted before it reaches the repository and is never logged."""

from __future__ import annotations

from typing import Any

from jixiao.errors import Conflict, NotFound
from services.surveys.adapters.fieldwork import EncryptedRespondent, FrameRecord
from services.surveys.adapters.pii import PiiCipher
from services.surveys.domain.frames import Frame
from services.surveys.domain.rounds import RoundState
from services.surveys.domain.sampling import frame_sha256

from .common import load_context, load_round, log, new_id, pii_context
from .unit_of_work import AbstractUnitOfWork


def encrypt_frame(cipher: PiiCipher, frame: Frame) -> list[EncryptedRespondent]:
    """Encrypt each member's name, phone and address, bound to its respondent id and column."""
    return [
        EncryptedRespondent(
            e.respondent_id,
            e.stratum,
            cipher.encrypt(e.name, context=pii_context(e.respondent_id, "name")),
            cipher.encrypt(e.phone, context=pii_context(e.respondent_id, "phone")),
            cipher.encrypt(e.address, context=pii_context(e.respondent_id, "address")),
            e.row,
            e.area,
        )
        for e in frame.entries
    ]


async def frame_groups(uow: AbstractUnitOfWork, plan_id: str, round_id: str, unit_id: str) -> tuple[str, ...]:
    """The strata a frame for this unit and round may use (checked before the file is parsed)."""
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        if round_id not in ctx.rounds:
            raise NotFound(f"plan {plan_id!r} has no round {round_id!r}")
        if unit_id not in ctx.units:
            raise NotFound(f"plan {plan_id!r} has no unit {unit_id!r}")
        return tuple(ctx.unit_weights(unit_id))


async def upload_frame(
    uow: AbstractUnitOfWork,
    cipher: PiiCipher,
    plan_id: str,
    round_id: str,
    unit_id: str,
    frame: Frame,
    filename: str = "",
) -> dict[str, Any]:
    """Store a validated frame (personal data encrypted); replaces the unit's frame until it is sampled."""
    members = encrypt_frame(cipher, frame)
    async with uow:
        ctx = await load_context(uow.repo, plan_id)
        rnd = await load_round(uow.repo, ctx, round_id, lock=True)
        if rnd.state is RoundState.CLOSED:
            raise Conflict(f"round {round_id!r} is closed: no new frame")
        if unit_id not in ctx.units:
            raise NotFound(f"plan {plan_id!r} has no unit {unit_id!r}")
        if await uow.repo.get_sample(plan_id, round_id, unit_id) is not None:
            raise Conflict(f"unit {unit_id!r} already has a sample in round {round_id!r}: its frame is frozen")
        record = FrameRecord(
            new_id(),
            plan_id,
            round_id,
            unit_id,
            frame_sha256(frame.keys()),
            len(frame),
            frame.strata_sizes(),
            filename[:200],
        )
        await uow.repo.replace_frame(record, members)
        # the frame's summary only: respondents' names, phones and addresses never enter the trail
        await uow.audit(
            "frame.uploaded",
            entity_type="frame",
            entity_id=f"{plan_id}:{round_id}:{unit_id}",
            after=frame_view(record) | {"file": record.filename},
        )
        await uow.commit()
    log.info(
        "frame.stored",
        plan_id=plan_id,
        round_id=round_id,
        unit_id=unit_id,
        respondents=len(frame),
        frame_sha256=record.sha256,
    )
    return frame_view(record)


def frame_view(f: FrameRecord) -> dict[str, Any]:
    return {
        "frame_id": f.frame_id,
        "plan": f.plan_id,
        "round": f.round_id,
        "unit": f.unit_id,
        "frame_sha256": f.sha256,
        "respondents": f.respondents,
        "strata": f.strata_sizes,
    }


async def get_frame(uow: AbstractUnitOfWork, plan_id: str, round_id: str, unit_id: str) -> dict[str, Any]:
    async with uow:
        f = await uow.repo.current_frame(plan_id, round_id, unit_id)
        if f is None:
            raise NotFound(f"no frame for unit {unit_id!r} in round {round_id!r}")
        return frame_view(f)

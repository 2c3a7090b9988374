"""Writing the service's events into the outbox; each keeps the envelope for the snapshot to replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.message import Message

from jixiao.proto.events.v1 import inspections_pb2
from services.inspections.domain.model import SOURCE_FINDING, Appeal, Deduction, Veto, dec_str
from services.inspections.service.unit_of_work import AbstractUnitOfWork


def inspection_of(d: Deduction) -> str:
    """The inspection whose finding made the deduction (source_ref "inspection/finding"), "" otherwise."""
    return d.source_ref.partition("/")[0] if d.source == SOURCE_FINDING else ""


def recorded_event(d: Deduction, appeal: Appeal | None = None) -> tuple[Message, dict[str, Any]]:
    """DeductionRecorded, a new version of `d` (bumped here), as (payload, emit()'s keyword arguments)."""
    version = d.record()
    payload = inspections_pb2.DeductionRecorded(
        plan_id=d.plan_id,
        unit_id=d.unit_id,
        deduction_id=d.id,
        kind=d.kind,
        points=dec_str(d.points),
        date=d.date.isoformat(),
        aspect=d.aspect,
        version=version,
        person=d.person,
        inspection_id=inspection_of(d),
        appeal_id=appeal.id if appeal else "",
        appeal_outcome=appeal.status if appeal else "",
    )
    return payload, dict(plan_id=d.plan_id, unit_id=d.unit_id, aggregate_id=d.id, version=version)


def revoked_event(d: Deduction, reason: str, at: datetime, appeal_id: str = "") -> tuple[Message, dict[str, Any]]:
    """DeductionRevoked: `d` is revoked here (a new version), as (payload, emit()'s keyword arguments)."""
    version = d.revoke(reason, at)
    payload = inspections_pb2.DeductionRevoked(
        plan_id=d.plan_id, unit_id=d.unit_id, deduction_id=d.id, reason=reason, version=version, appeal_id=appeal_id
    )
    return payload, dict(plan_id=d.plan_id, unit_id=d.unit_id, aggregate_id=d.id, version=version)


async def emit_recorded(uow: AbstractUnitOfWork, d: Deduction, appeal: Appeal | None = None) -> None:
    """DeductionRecorded, a new version; with `appeal` when an appeal against it was filed or rejected."""
    payload, kwargs = recorded_event(d, appeal)
    env = await uow.emit(payload, **kwargs)
    d.recorded_envelope = env.SerializeToString(deterministic=True)


async def emit_revoked(uow: AbstractUnitOfWork, d: Deduction, reason: str, appeal_id: str = "") -> None:
    payload, kwargs = revoked_event(d, reason, uow.clock(), appeal_id)
    env = await uow.emit(payload, **kwargs)
    d.revoked_envelope = env.SerializeToString(deterministic=True)


async def emit_issued(uow: AbstractUnitOfWork, v: Veto) -> None:
    version = v.issue()
    env = await uow.emit(
        inspections_pb2.VetoIssued(
            plan_id=v.plan_id,
            unit_id=v.unit_id,
            veto_id=v.id,
            category=v.category,
            date=v.date.isoformat(),
            document=v.document,
            version=version,
        ),
        plan_id=v.plan_id,
        unit_id=v.unit_id,
        aggregate_id=v.id,
        version=version,
    )
    v.issued_envelope = env.SerializeToString(deterministic=True)


async def emit_lifted(uow: AbstractUnitOfWork, v: Veto, reason: str) -> None:
    version = v.lift(reason, uow.clock())
    env = await uow.emit(
        inspections_pb2.VetoLifted(plan_id=v.plan_id, unit_id=v.unit_id, veto_id=v.id, reason=reason, version=version),
        plan_id=v.plan_id,
        unit_id=v.unit_id,
        aggregate_id=v.id,
        version=version,
    )
    v.lifted_envelope = env.SerializeToString(deterministic=True)

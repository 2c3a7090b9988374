"""Deduction writes of a bulk import, kept in order and written together: a few statements per import
instead of a few per deduction."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from services.inspections.domain.model import AuditEntry, Deduction
from services.inspections.service.common import audit_entry
from services.inspections.service.events import recorded_event, revoked_event
from services.inspections.service.unit_of_work import AbstractUnitOfWork


class DeductionWrites:
    """The import's deduction writes, kept in order and written together by `flush`: the events with
    one outbox statement and one audit-chain append (`uow.emit_many`), the new and the changed
    deductions with one statement each, the service's audit rows with one. What is written is what
    `new_deduction`, `emit_recorded`/`emit_revoked`, `save` and `write_audit` write one by one, in
    the same order; only the round trips per deduction are gone."""

    def __init__(self, uow: AbstractUnitOfWork, actor: str) -> None:
        self.uow, self.actor = uow, actor
        self.events: list[tuple[Message, dict[str, Any], Deduction, str]] = []  # + the envelope's attribute
        self.added: dict[str, Deduction] = {}
        self.saved: dict[str, Deduction] = {}
        self.audit: list[AuditEntry] = []

    def recorded(self, d: Deduction) -> None:
        self.events.append((*recorded_event(d), d, "recorded_envelope"))

    def revoked(self, d: Deduction, reason: str) -> None:
        self.events.append((*revoked_event(d, reason, self.uow.clock()), d, "revoked_envelope"))

    def add(self, d: Deduction) -> None:
        self.added[d.id] = d  # inserted as it stands at the flush (revoked already, if the bundle says so)

    def save(self, d: Deduction) -> None:
        if d.id not in self.added:
            self.saved[d.id] = d

    def write_audit(self, action: str, d: Deduction, plan_id: str, before: dict | None) -> None:
        self.audit.append(audit_entry(self.uow, self.actor, action, "deduction", d.id, plan_id, before, d.as_dict()))

    async def flush(self) -> None:
        envelopes = await self.uow.emit_many([(payload, kwargs) for payload, kwargs, _, _ in self.events])
        for (_, _, d, attribute), env in zip(self.events, envelopes, strict=True):
            setattr(d, attribute, env.SerializeToString(deterministic=True))
        await self.uow.deductions.add_many(list(self.added.values()))
        await self.uow.deductions.save_many(list(self.saved.values()))
        await self.uow.audit.add(self.audit)

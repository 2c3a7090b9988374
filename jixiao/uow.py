"""Units of work: one transaction around a use case, events written to the outbox inside it.

Every service builds on these two: `SqlAlchemyUnitOfWork` owns its transaction (requests),
`BatchUnitOfWork` works inside a transaction the consumer's batch owns (it never commits).
A service subclass overrides `bind(session)` to attach its repositories.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from jixiao.messaging.envelope import Envelope

if TYPE_CHECKING:
    from jixiao.runtime import Runtime


class _Emitter:
    """Writing events into the outbox of the current session (shared by both units of work)."""

    runtime: Runtime
    session: AsyncSession | None
    events: list[Envelope]

    def bind(self, session: AsyncSession) -> None:
        """Attach the service's repositories to `session` (override in each service)."""

    async def emit(
        self, payload: Message, *, plan_id: str, unit_id: str = "", aggregate_id: str = "", version: int = 0
    ) -> Envelope:
        """Write an event into this transaction's outbox."""
        assert self.session is not None and self.runtime.outbox is not None
        env = await self.runtime.outbox.add(
            self.session, payload, plan_id=plan_id, unit_id=unit_id, aggregate_id=aggregate_id, version=version
        )
        self.events.append(env)
        if getattr(self.runtime, "audit", None) is not None:
            await self._audit(payload, plan_id, unit_id, aggregate_id)
        return env

    async def audit(
        self, action: str, *, entity_type: str, entity_id: str, after: object = None, before: object = None
    ) -> None:
        """Append a state change that emits no event of its own (a close, a re-score, a repair, a
        frame stored) to the service's audit chain, in this transaction; nothing without a chain."""
        if getattr(self.runtime, "audit", None) is None:
            return
        from jixiao.audit import append
        from jixiao.logging import current_trace_id

        actor, role = _who()
        await append(
            self.session,
            self.runtime.audit,
            actor=actor,
            role=role,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            trace_id=current_trace_id(),
        )

    async def emit_many(self, items: list[tuple[Message, dict[str, Any]]]) -> list[Envelope]:
        """Write many events (payload, emit()'s keyword arguments) in order, as emit() would one by one,
        with one outbox insert and one audit append: a bulk import no longer pays a few database
        round trips per event."""
        assert self.session is not None and self.runtime.outbox is not None
        envs = await self.runtime.outbox.add_many(self.session, items)
        self.events.extend(envs)
        if getattr(self.runtime, "audit", None) is not None and envs:
            from jixiao.audit import append_many

            await append_many(
                self.session, self.runtime.audit, [self._audit_entry(payload, **kwargs) for payload, kwargs in items]
            )
        return envs

    async def _audit(self, payload: Message, plan_id: str, unit_id: str, aggregate_id: str) -> None:
        """Every state change that emits an event appends to the service's audit chain, in the same
        transaction: who (from the token), what, on which entity, the new state (personal data masked)."""
        from jixiao.audit import append

        await append(self.session, self.runtime.audit, **self._audit_entry(payload, plan_id, unit_id, aggregate_id))

    @staticmethod
    def _audit_entry(
        payload: Message, plan_id: str, unit_id: str = "", aggregate_id: str = "", version: int = 0
    ) -> dict[str, Any]:
        from google.protobuf.json_format import MessageToDict

        from jixiao.logging import current_trace_id

        actor, role = _who()
        after = {"plan_id": plan_id, "unit_id": unit_id, **MessageToDict(payload, preserving_proto_field_name=True)}
        name = payload.DESCRIPTOR.name
        return dict(
            actor=actor,
            role=role,
            action=name,
            entity_type=name,
            entity_id=aggregate_id or unit_id or plan_id,
            after=after,
            trace_id=current_trace_id(),
        )


def _who() -> tuple[str, str]:
    """The actor and role of the request or call being handled (`system` for a consumer)."""
    from jixiao.auth import caller_var

    who = caller_var.get()
    if who is None:
        return "system", "system"
    return who.user, (",".join(sorted(who.roles)) if who.authenticated else "local")


class SqlAlchemyUnitOfWork(_Emitter):
    """`async with uow:` opens a transaction; `await uow.commit()` commits state and outbox rows together."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.session: AsyncSession | None = None
        self.events: list[Envelope] = []

    async def __aenter__(self):
        self.session = self.runtime.db.sessions()
        await self.session.begin()
        self.events = []
        self.bind(self.session)
        return self

    async def __aexit__(self, *exc) -> None:
        assert self.session is not None
        try:
            if self.session.in_transaction():
                await self.session.rollback()
        finally:
            await self.session.close()
            self.session = None

    async def commit(self) -> None:
        assert self.session is not None
        await self.session.commit()
        if self.events:
            self.runtime.wake_relay()

    async def rollback(self) -> None:
        assert self.session is not None
        await self.session.rollback()


class BatchUnitOfWork(_Emitter):
    """The same interface over a transaction someone else owns (the consumer's batch): no commit here."""

    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.runtime = runtime
        self.session = session
        self.events: list[Envelope] = []
        self.bind(session)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        return None

    async def commit(self) -> None:
        """The batch commits; a use case's commit inside it is a no-op."""

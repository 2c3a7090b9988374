"""The bookkeeping every service's FakeUnitOfWork shares: emit, commit, published, roll back.

A service's fake subclasses `FakeUnitOfWork` (and its own `AbstractUnitOfWork` port) and says what
a rollback restores: `snapshot()` returns a copy of the state its tests look at, taken on entering
`async with uow:`; `restore(saved)` puts it back when the block is left without `commit()`.
Events emitted in a block reach `published` only when it commits, as with the real outbox.
"""

from __future__ import annotations

from typing import Any

from jixiao.messaging.envelope import Envelope, make_envelope


class FakeUnitOfWork:
    """In memory: `emit` keeps events pending, `commit` publishes them; no commit, no change."""

    source = "fake"  # the envelopes' source service

    def __init__(self) -> None:
        self.published: list[Any] = []  # committed events, in order (see `to_publish`)
        self._pending: list[Any] = []
        self._saved: Any = None
        self._open = False  # inside a block that has not committed yet
        self.commits = 0

    def snapshot(self) -> Any:
        """A copy of the state a rollback goes back to (nothing by default)."""
        return None

    def restore(self, saved: Any) -> None:
        """Put back what `snapshot()` returned."""

    def to_publish(self, env: Envelope, payload: Any) -> Any:
        """What `published` keeps of one committed event: the envelope."""
        return env

    async def __aenter__(self):
        self._pending = []
        self._saved = self.snapshot()
        self._open = True
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._open:  # left without commit: roll back
            self.restore(self._saved)
        self._saved, self._pending, self._open = None, [], False

    async def emit(
        self, payload: Any, *, plan_id: str, unit_id: str = "", aggregate_id: str = "", version: int = 0
    ) -> Envelope:
        """Make the event's envelope; it is published if the block commits."""
        env = make_envelope(
            source=self.source,
            payload=payload,
            plan_id=plan_id,
            unit_id=unit_id,
            aggregate_id=aggregate_id,
            version=version,
        )
        self._pending.append(self.to_publish(env, payload))
        return env

    async def commit(self) -> None:
        self.published.extend(self._pending)
        self._saved, self._pending, self._open = None, [], False
        self.commits += 1

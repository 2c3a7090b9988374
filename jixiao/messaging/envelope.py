"""Build, encode and decode the event envelope defined in proto/jixiao/events/v1/envelope.proto."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from google.protobuf.message import DecodeError, Message

from jixiao.errors import JixiaoError
from jixiao.logging import current_trace_id
from jixiao.proto.events.v1 import envelope_pb2, indicators_pb2, inspections_pb2, scores_pb2, surveys_pb2

Envelope = envelope_pb2.Envelope

PAYLOAD_TYPES: dict[str, type[Message]] = {
    cls.DESCRIPTOR.name: cls
    for module in (indicators_pb2, surveys_pb2, inspections_pb2, scores_pb2)
    for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, Message) and cls.DESCRIPTOR.containing_type is None
}


class BadEnvelope(JixiaoError):
    """A message that is not a valid envelope or carries an unknown payload type (a poison message)."""

    status = 422
    title = "Bad event"


def make_envelope(*, source: str, payload: Message, plan_id: str, unit_id: str = "",
                  aggregate_id: str = "", version: int = 0, trace_id: str | None = None,
                  occurred_at: datetime | None = None) -> Envelope:
    env = Envelope(
        event_id=str(uuid.uuid4()),
        type=payload.DESCRIPTOR.name,
        source=source,
        plan_id=plan_id,
        unit_id=unit_id,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        trace_id=trace_id or current_trace_id(),
        payload=payload.SerializeToString(deterministic=True),
    )
    env.occurred_at.FromDatetime(occurred_at or datetime.now(UTC))
    return env


# What the inbox and outbox columns hold (jixiao/messaging/outbox.py): longer is poison, not a retry.
_LIMITS = {"event_id": 36, "source": 50, "plan_id": 100}


def decode(data: bytes) -> Envelope:
    """Parse bytes into an envelope; raises BadEnvelope for anything unusable."""
    try:
        env = Envelope.FromString(data)
    except DecodeError as exc:
        raise BadEnvelope(f"not an envelope: {exc}") from exc
    if not env.event_id or env.type not in PAYLOAD_TYPES:
        raise BadEnvelope(f"envelope without id or with unknown type {env.type!r}")
    for name, limit in _LIMITS.items():
        if len(getattr(env, name)) > limit:
            raise BadEnvelope(f"envelope {name} longer than {limit} characters")
    return env


def payload_of(env: Envelope) -> Message:
    """The typed payload message of an envelope."""
    cls = PAYLOAD_TYPES.get(env.type)
    if cls is None:
        raise BadEnvelope(f"unknown event type {env.type!r}")
    try:
        return cls.FromString(env.payload)
    except DecodeError as exc:
        raise BadEnvelope(f"payload of {env.type} does not decode: {exc}") from exc


def occurred_at(env: Envelope) -> datetime:
    return env.occurred_at.ToDatetime(tzinfo=UTC)

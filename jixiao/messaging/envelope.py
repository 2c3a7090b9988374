"""Build, encode and decode the event envelope defined in proto/jixiao/events/v1/envelope.proto.

The payload travels twice during the deprecation window of `payload` (field 9): as bytes named by
`type` (what consumers before `body` read) and as `body`, a google.protobuf.Any with its type URL,
which protoc and protobuf's JSON mapping decode in one step. `payload_of` reads `body` when it is
there and falls back to the bytes (events written before `body` existed).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from google.protobuf import json_format, text_format
from google.protobuf.message import DecodeError, Message

from jixiao.errors import JixiaoError
from jixiao.logging import current_trace_id
from jixiao.proto.events.v1 import envelope_pb2, indicators_pb2, inspections_pb2, people_pb2, scores_pb2, surveys_pb2

Envelope = envelope_pb2.Envelope

PAYLOAD_TYPES: dict[str, type[Message]] = {
    cls.DESCRIPTOR.name: cls
    for module in (indicators_pb2, surveys_pb2, inspections_pb2, people_pb2, scores_pb2)
    for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, Message) and cls.DESCRIPTOR.containing_type is None
}


class BadEnvelope(JixiaoError):
    """A message that is not a valid envelope or carries an unknown payload type (a poison message)."""

    status = 422
    title = "Bad event"


def make_envelope(
    *,
    source: str,
    payload: Message,
    plan_id: str,
    unit_id: str = "",
    aggregate_id: str = "",
    version: int = 0,
    trace_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
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
    env.body.Pack(payload, deterministic=True)
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


TYPE_URL_PREFIX = "type.googleapis.com/"


def payload_of(env: Envelope) -> Message:
    """The typed payload message of an envelope: from `body` (the Any), else from the `payload` bytes."""
    cls = PAYLOAD_TYPES.get(env.type)
    if cls is None:
        raise BadEnvelope(f"unknown event type {env.type!r}")
    try:
        if env.HasField("body"):
            if env.body.type_url != TYPE_URL_PREFIX + cls.DESCRIPTOR.full_name:
                raise BadEnvelope(f"body of a {env.type} is a {env.body.type_url!r}")
            return cls.FromString(env.body.value)
        return cls.FromString(env.payload)
    except DecodeError as exc:
        raise BadEnvelope(f"payload of {env.type} does not decode: {exc}") from exc


def occurred_at(env: Envelope) -> datetime:
    return env.occurred_at.ToDatetime(tzinfo=UTC)


def _readable(env: Envelope) -> Envelope:
    """The envelope with its payload in `body` only (the deprecated bytes are the same payload)."""
    out = Envelope()
    out.CopyFrom(env)
    if not out.HasField("body"):
        out.body.Pack(payload_of(env), deterministic=True)
    out.ClearField("payload")
    return out


def to_json(env: Envelope) -> dict:
    """The envelope in protobuf's canonical JSON mapping (json_format): lowerCamelCase names, int64 as
    strings, the payload as `body` with its "@type", every field (defaults too) but the deprecated
    `payload` bytes."""
    doc = json_format.MessageToDict(_readable(env), always_print_fields_with_no_presence=True)
    doc.pop("payload", None)
    return doc


def to_text(env: Envelope) -> str:
    """The envelope in protobuf text format, the payload expanded (what `protoc --decode` prints)."""
    return text_format.MessageToString(_readable(env), as_utf8=True)

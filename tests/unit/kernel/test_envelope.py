"""Envelopes that the inbox could not hold are refused at decoding (parked), not retried forever."""

from __future__ import annotations

import pytest

from jixiao.messaging.envelope import BadEnvelope, decode, make_envelope
from jixiao.proto.events.v1 import indicators_pb2

pytestmark = pytest.mark.unit


def _bytes(plan_id: str, source: str = "indicators") -> bytes:
    env = make_envelope(
        source=source, payload=indicators_pb2.UnitUpserted(unit_id="v01"), plan_id=plan_id, unit_id="v01"
    )
    return env.SerializeToString()


def test_a_normal_envelope_decodes():
    assert decode(_bytes("bailian-2026")).plan_id == "bailian-2026"


@pytest.mark.parametrize(
    ("plan_id", "source", "field"), [("p" * 101, "indicators", "plan_id"), ("p", "s" * 51, "source")]
)
def test_fields_longer_than_the_inbox_columns_are_bad_envelopes(plan_id, source, field):
    with pytest.raises(BadEnvelope, match=f"{field} longer than"):
        decode(_bytes(plan_id, source))


def test_garbage_is_a_bad_envelope():
    with pytest.raises(BadEnvelope):
        decode(b"\xff\xff\xff")

"""Scoring guards its own inputs: an event whose decimal slipped past a source's edge is a poison
event (parked by the kernel's consumer), never arithmetic on 1E+999999999."""

from __future__ import annotations

import pytest

from jixiao.errors import InvalidInput
from jixiao.messaging.envelope import Envelope
from jixiao.proto.events.v1 import inspections_pb2
from services.scoring.entrypoints.consumer import ScoringEventHandler

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("points", ["1E+999999999", "-5E+30", "1E-999999999"])
async def test_a_hostile_decimal_in_an_event_is_poison(points):
    payload = inspections_pb2.DeductionRecorded(
        plan_id="p",
        unit_id="u1",
        deduction_id="d1",
        kind="inspection",
        points=points,
        date="2026-06-01",
        aspect="work_style",
        version=1,
    )
    env = Envelope(
        event_id="e1",
        type="DeductionRecorded",
        source="inspections",
        plan_id="p",
        unit_id="u1",
        payload=payload.SerializeToString(),
    )
    handler = ScoringEventHandler.__new__(ScoringEventHandler)
    with pytest.raises(InvalidInput, match="points"):
        await handler.apply(None, env)

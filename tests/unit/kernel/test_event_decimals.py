"""Decimals carried by events are computed values at the scoring context's 28 digits: a small one
(a stratum's standard deviation of 0.0012…) has more than 28 decimal places and must pass, while
an absurd exponent or a 29th significant digit is still refused before any arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.proto.events.v1 import surveys_pb2
from jixiao.rules.decimals import SCORING_CONTEXT
from jixiao.validation import message_problem

pytestmark = pytest.mark.unit


def stratum_sd(sd: str) -> surveys_pb2.SurveyScoreUpdated:
    return surveys_pb2.SurveyScoreUpdated(strata=[surveys_pb2.StratumScore(stratum="rural", sd=sd)])


def test_a_small_computed_value_with_28_digits_passes():
    sd = str(SCORING_CONTEXT.sqrt(Decimal("0.0000016")))  # 0.001264911064067351732799557418 (30 places)
    assert Decimal(sd).as_tuple().exponent < -28
    assert message_problem(stratum_sd(sd)) is None


@pytest.mark.parametrize(
    ("sd", "why"),
    [("1E-999999999", "decimal places"), ("0.12345678901234567890123456789", "significant digits")],
)
def test_an_absurd_exponent_or_a_29th_digit_is_refused(sd, why):
    assert why in (message_problem(stratum_sd(sd)) or "")

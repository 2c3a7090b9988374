"""Decimal arithmetic shared by the rules: one context, one rounding."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import ParamSpec, TypeVar

# 28 significant digits (scoring.md). Inexact intermediate results round half-even; only the
# published figures are rounded half-up to 2 places. Traps make a silent NaN/Infinity impossible.
SCORING_CONTEXT = Context(
    prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
_CENTS = Decimal("0.01")

P = ParamSpec("P")
R = TypeVar("R")


def in_scoring_context(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` under SCORING_CONTEXT, whatever the caller's decimal context is."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(SCORING_CONTEXT):
            return func(*args, **kwargs)

    return wrapper


def round2(value: Decimal) -> Decimal:
    """Round half-up to 2 decimals (never yields -0.00)."""
    rounded = value.quantize(_CENTS, rounding=ROUND_HALF_UP, context=SCORING_CONTEXT)
    return rounded.copy_abs() if rounded.is_zero() else rounded

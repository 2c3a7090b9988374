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
SCORING_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])

# What a decimal entering the platform may be (checked at every edge: REST schemas, the exact-JSON
# request reader, bundle fields): at most 18 significant digits, |value| < 1E+15, at most 12
# decimal places. Checked from the digits and exponent alone, so "1E+999999999" costs nothing.
MAX_DIGITS = 18
MAX_ADJUSTED = 14
MIN_EXPONENT = -12


def decimal_problem(value: Decimal, *, max_digits: int = MAX_DIGITS, min_exponent: int = MIN_EXPONENT) -> str | None:
    """Why `value` may not enter the platform (None: it may); no arithmetic on the value. Computed
    values passed between services (a survey score) may use the scoring context's 28 digits."""
    if not value.is_finite():
        return "must be a finite number"
    _sign, digits, exponent = value.as_tuple()
    if value.adjusted() > MAX_ADJUSTED:
        return f"must be smaller than 1E+{MAX_ADJUSTED + 1} in magnitude"
    n = len(digits)
    while n > 1 and digits[n - 1] == 0:  # trailing zeros are not precision ("1.5000")
        n, exponent = n - 1, exponent + 1
    if exponent < min_exponent:
        return f"must have at most {-min_exponent} decimal places"
    if n > max_digits:
        return f"must have at most {max_digits} significant digits"
    return None


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

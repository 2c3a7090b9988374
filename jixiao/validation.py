"""What may enter the platform at its edge: bounded decimals, clean text, ids, paging and years.

Every service's request schemas subclass `Schema` (or use the Annotated types below), so a value
is checked once, here, before any arithmetic, formatting or database call: a decimal has a range
and a precision, a string carries no NUL or control character (PostgreSQL refuses NUL, openpyxl
refuses the C0 controls, and either would otherwise surface as a 500), and integers that reach
the database fit its columns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, StringConstraints, field_validator

from jixiao.rules.decimals import MAX_ADJUSTED, decimal_problem
from jixiao.rules.periods import PERIODS

MAX_TEXT = 200_000  # characters in one string field (a self-assessment report is the longest)
MAX_INT = 2**31 - 1  # PostgreSQL integer
MIN_YEAR, MAX_YEAR = 1990, 2200
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"


_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, max_length: int = MAX_TEXT) -> str | None:
    """Why `value` may not enter as text (None: it may): too long, NUL, control or lone surrogate."""
    if len(value) > max_length:
        return f"must be at most {max_length} characters"
    bad = _BAD_TEXT.search(value)  # one C-speed scan: bodies of many megabytes stay cheap
    if bad is not None:
        return f"must not contain the control character U+{ord(bad.group()):04X}"
    return None


def value_problem(value: Any, depth: int = 0) -> str | None:
    """Why a decoded value (or anything inside it) may not enter; None when every part may."""
    if depth > 64:
        return "is nested too deeply"
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return decimal_problem(value)
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, int):
        return None if abs(value) <= 10 ** (MAX_ADJUSTED + 1) else "is out of range"
    if isinstance(value, float):
        return None if value == value and abs(value) < 10 ** (MAX_ADJUSTED + 1) else "is out of range"
    if isinstance(value, Mapping):
        for k, v in value.items():
            problem = value_problem(k, depth + 1) or value_problem(v, depth + 1)
            if problem:
                return f"{k}: {problem}" if isinstance(k, str) and len(k) < 100 else problem
        return None
    if isinstance(value, list | tuple | set | frozenset):
        for i, v in enumerate(value):
            problem = value_problem(v, depth + 1)
            if problem:
                return f"[{i}]: {problem}"
    return None


def _checked_decimal(value: Decimal) -> Decimal:
    problem = decimal_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _checked_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _name(value: str) -> str:
    problem = text_problem(value, 500)
    if problem or "\n" in value or "\r" in value or "\t" in value:
        raise ValueError(problem or "must be one line")
    return value


BoundedDecimal = Annotated[Decimal, AfterValidator(_checked_decimal)]
Text = Annotated[str, AfterValidator(_checked_text)]
Name = Annotated[str, AfterValidator(_name)]
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]

# Path and query parameters (FastAPI): ids with a pattern, paging, versions and years in range.
# any id the plan contract accepts (Chinese ids included): no slash, whitespace or control character
PATH_ID_PATTERN = r"^[^/\s\x00-\x1f\x7f]{1,128}$"
PathId = Annotated[str, Path(pattern=PATH_ID_PATTERN, max_length=128, description="an id (no slash or whitespace)")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT)]
Limit = Annotated[int, Query(ge=1, le=1000)]
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_INT)]
YearQuery = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)]
PERIOD_PATTERN = f"^({'|'.join(PERIODS)})$"
PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, description="Y, H1 or Q1-Q4")]
PeriodQuery = Annotated[str | None, Query(pattern=PERIOD_PATTERN, description="Y, H1 or Q1-Q4")]
PeriodField = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN)]


class Schema(BaseModel):
    """Base of request schemas: every field — nested lists and dicts included — is checked by
    `value_problem` after its own validation (bounded decimals, clean text)."""

    @field_validator("*", mode="after")
    @classmethod
    def _at_the_edge(cls, value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value  # validated by its own class
        problem = value_problem(value)
        if problem:
            raise ValueError(problem)
        return value


_CONTROL_IN_URL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def url_problem(path: str, query: str) -> str | None:
    """Why a request's decoded path or query may not enter (control characters), else None."""
    if _CONTROL_IN_URL.search(path) or _CONTROL_IN_URL.search(query):
        return "the URL must not contain control characters"
    if any(unicodedata.category(ch) == "Cs" for ch in path + query):
        return "the URL must be valid UTF-8"
    return None


_EVENT_DIGITS = 28  # events carry computed values at the scoring context's precision (SCORING_CONTEXT)
# ... whose exponent follows their size: a standard deviation of 0.0012… keeps 28 significant
# digits and so 30 decimal places. Bounded all the same, so "1E-999999999" is still refused.
_EVENT_MIN_EXPONENT = -2 * _EVENT_DIGITS
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def message_problem(message: Any, depth: int = 0) -> str | None:
    """Why a protobuf message (an event from another service) may not be used: a decimal carried as
    a string out of range or precision, or text with NUL/control characters. None when it may."""
    if depth > 32:
        return "is nested too deeply"
    for field, value in message.ListFields():
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            items = list(value.values())
        elif field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED:
            items = list(value)
        else:
            items = [value]
        for item in items:
            if isinstance(item, str):
                trouble = (
                    decimal_problem(Decimal(item), max_digits=_EVENT_DIGITS, min_exponent=_EVENT_MIN_EXPONENT)
                    if _NUMBER.match(item)
                    else None
                ) or text_problem(item)
            elif hasattr(item, "ListFields"):
                trouble = message_problem(item, depth + 1)
            else:
                trouble = None
            if trouble:
                return f"{field.name}: {trouble}"
    return None

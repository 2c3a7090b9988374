"""Typed field readers that collect problems (with JSON paths) instead of stopping at the first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .decimals import decimal_problem
from .errors import Problem

_MISSING = object()


class Problems:
    """An ordered collection of problems found while reading input."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        """Record one problem."""
        self.items.append(Problem(path, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


def describe(value: Any) -> str:
    """A short description of a JSON value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return f"{value!r} (a binary float)"
    return type(value).__name__


def as_decimal(value: Any) -> Decimal | None:
    """The value as a finite Decimal, or None when it is not a decimal JSON number.

    Ints become Decimals; bools and binary floats are refused (a float has already lost
    exactness; inputs are read with parse_float=Decimal).
    """
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return None


class Reader:
    """Reads fields of one JSON object at `path`, recording problems in `problems`."""

    __slots__ = ("obj", "path", "problems", "ok", "is_obj")

    def __init__(self, obj: Any, path: str, problems: Problems, what: str = "an object") -> None:
        self.path = path
        self.problems = problems
        self.is_obj = self.ok = isinstance(obj, dict)
        self.obj: dict = obj if self.is_obj else {}
        if not self.is_obj:
            problems.add(path, f"must be {what}, not {describe(obj)}")

    def at(self, key: str) -> str:
        """The JSON path of a field (just the key at the top of a request body, where path is "")."""
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> None:
        """Record a problem with a field."""
        self.ok = False
        self.problems.add(self.at(key), message)

    def has(self, key: str) -> bool:
        """True when the field is present and not null."""
        return self.obj.get(key) is not None

    def _get(self, key: str, required: bool) -> Any:
        value = self.obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required and self.is_obj:
                self.fail(key, "is required")
            return _MISSING
        return value

    def str(self, key: str, required: bool = True, *, max_len: int | None = None, strip: bool = False) -> str | None:
        """A non-empty string field (surrounding blanks removed with `strip`), at most `max_len` long."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, str) and strip:
            value = value.strip()
            if not value:
                if required:
                    self.fail(key, "is required")
                return None
        if not isinstance(value, str) or not value:
            self.fail(key, f"must be a non-empty string, not {describe(value)}")
            return None
        if max_len is not None and len(value) > max_len:
            self.fail(key, f"must be at most {max_len} characters, not {len(value)}")
            return None
        return value

    def text(self, key: str, *, max_len: int | None = None) -> str:
        """An optional string field, stripped; "" when absent or blank."""
        return self.str(key, required=False, max_len=max_len, strip=True) or ""

    def bool(self, key: str, required: bool = True) -> bool | None:
        """A boolean field."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, not {describe(value)}")
            return None
        return value

    def int(self, key: str, required: bool = True) -> int | None:
        """An integer field."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(key, f"must be an integer, not {describe(value)}")
            return None
        return value

    def decimal(
        self,
        key: str,
        required: bool = True,
        *,
        positive: bool = False,
        low: Decimal | None = None,
        high: Decimal | None = None,
    ) -> Decimal | None:
        """A decimal number field, optionally > 0 or within [low, high]."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        number = as_decimal(value)
        if number is None:
            self.fail(key, f"must be a number, not {describe(value)}")
            return None
        if (trouble := decimal_problem(number)) is not None:  # before any comparison or formatting
            self.fail(key, trouble)
            return None
        if positive and number <= 0:
            self.fail(key, f"must be > 0, not {number}")
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            if high is None:
                self.fail(key, f"must be {low} or more, not {number}")
            elif low is None:
                self.fail(key, f"must be {high} or less, not {number}")
            else:
                self.fail(key, f"must be within [{low}, {high}], not {number}")
            return None
        return number

    def date(self, key: str, required: bool = True) -> dt.date | None:
        """An ISO date field (YYYY-MM-DD), or a date already parsed by the transport."""
        raw = self.obj.get(key)
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        value = self.str(key, required)
        if value is None:
            return None
        try:
            if len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(key, f"must be a date YYYY-MM-DD, not {describe(value)}")
            return None

    def list(self, key: str, required: bool = True) -> list | None:
        """A list field."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, list):
            self.fail(key, f"must be a list, not {describe(value)}")
            return None
        return value

    def dict(self, key: str, required: bool = True) -> dict | None:
        """An object field."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.fail(key, f"must be an object, not {describe(value)}")
            return None
        return value

    def str_list(self, key: str, required: bool = True) -> list[str] | None:
        """A list of non-empty strings."""
        values = self.list(key, required)
        if values is None:
            return None
        bad = [i for i, v in enumerate(values) if not isinstance(v, str) or not v]
        for i in bad:
            self.problems.add(f"{self.at(key)}[{i}]", f"must be a non-empty string, not {describe(values[i])}")
        if bad:
            self.ok = False
            return None
        return values


def decimal_map(
    r: Reader,
    key: str,
    problems: Problems,
    *,
    positive: bool = False,
    low: Decimal | None = None,
    high: Decimal | None = None,
) -> dict[str, Decimal]:
    """An object field of decimals ({name: number}), each checked like `Reader.decimal`."""
    obj = r.dict(key)
    if obj is None:
        return {}
    inner = Reader(obj, r.at(key), problems)
    out = {}
    for name in obj:
        value = inner.decimal(name, positive=positive, low=low, high=high)
        if value is not None:
            out[name] = value
    return out

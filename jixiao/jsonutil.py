"""Exact JSON: numbers are read as Decimal and Decimals are written as JSON numbers (no floats)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any




def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as a Decimal."""
    return json.loads(text, parse_float=Decimal)


def dumps(obj: Any, *, ensure_ascii: bool = False) -> str:
    """Serialize with Decimals as plain JSON numbers, exactly as they are."""
    out: list[str] = []
    _write(obj, out, ensure_ascii)
    return "".join(out)


def _write(obj: Any, out: list[str], ensure_ascii: bool) -> None:
    if isinstance(obj, str):
        out.append(json.dumps(obj, ensure_ascii=ensure_ascii))
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, Decimal):
        if not obj.is_finite():
            raise ValueError(f"cannot write {obj} as JSON")
        out.append(str(obj) if "E" not in str(obj) else format(obj, "f"))
    elif isinstance(obj, float):
        raise TypeError("binary floats are not written here: use Decimal")
    elif isinstance(obj, dict):
        out.append("{")
        for i, (key, value) in enumerate(obj.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=ensure_ascii))
            out.append(":")
            _write(value, out, ensure_ascii)
        out.append("}")
    elif isinstance(obj, (list, tuple)):
        out.append("[")
        for i, value in enumerate(obj):
            if i:
                out.append(",")
            _write(value, out, ensure_ascii)
        out.append("]")
    else:
        raise TypeError(f"cannot write {type(obj).__name__} as JSON")

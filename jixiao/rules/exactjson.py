"""The one exact-JSON codec: numbers are read as Decimal and Decimals are written as JSON numbers.

No binary float is ever produced or accepted. `NaN`, `Infinity` and `-Infinity` (which Python's
json module accepts by default) are refused, as is nesting deeper than `MAX_DEPTH`; every refusal
is an `InvalidJSON` (a ValueError) with one line saying where.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from itertools import accumulate
from json.encoder import encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

MAX_DEPTH = 200  # far beyond any plan or bundle; keeps hostile nesting from reaching the recursion limit


class InvalidJSON(ValueError):
    """Text that is not the JSON the platform accepts."""


class _Constant(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _refuse_constant(name: str) -> Any:
    raise _Constant(name)


def _constant_position(text: str, name: str) -> tuple[int, int]:
    """Line and column (1-based) of the first bare `name` outside strings."""
    in_string = escaped = False
    line, col = 1, 1
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif text.startswith(name, i):
            return line, col
        if ch == "\n":
            line, col = line + 1, 1
        else:
            col += 1
    return 0, 0


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {0x5B: 1, 0x7B: 1, 0x5D: -1, 0x7D: -1}


def _check_depth(text: str | bytes) -> None:
    """Refuse nesting deeper than MAX_DEPTH before the parser recurses into it (brackets in strings
    can only overcount, and only for documents that are already absurdly nested). The brackets are
    picked out and summed in C: a byte-by-byte Python loop took most of the parse of a county."""
    data = text.encode() if isinstance(text, str) else text
    brackets = data.translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= MAX_DEPTH:
        return
    if max(accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH:
        raise InvalidJSON(f"invalid JSON: nested deeper than {MAX_DEPTH} levels")


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as a Decimal; raise InvalidJSON with the position."""
    _check_depth(text)
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InvalidJSON(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise InvalidJSON(f"invalid JSON: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise InvalidJSON("invalid JSON: nested too deeply") from None
    except _Constant as exc:
        decoded = text if isinstance(text, str) else text.decode("utf-8", "replace")
        line, col = _constant_position(decoded, exc.name)
        raise InvalidJSON(f"invalid JSON at line {line} column {col}: {exc.name} is not a number") from None


class Encoded(str):
    """JSON text this writer already wrote compactly (`dumps(x, indent=None)`, e.g. a stored column):
    a compact `dumps` puts it in verbatim, which gives the same bytes as `dumps(loads(text))` without
    parsing and writing it again (numbers go out as `format(d, "f")` of the Decimal read from that
    very text, strings through the same encoder). Only a compact `dumps` without ensure_ascii takes it:
    it cannot re-indent or re-escape the text."""

    __slots__ = ()


def dumps(value: Any, *, indent: int | None = None, ensure_ascii: bool = False) -> str:
    """Serialize with Decimals as exact JSON numbers (never exponent notation); floats are refused.

    Compact (`,` and `:`) without `indent`; with it, one item per line like json.dumps(indent=…).
    An `Encoded` value is compact JSON text put in as it is (compact output without ensure_ascii only).
    """
    out: list[str] = []
    if indent is None:  # the common case (stored scores, events, hashes): one tight pass
        _compact(value, out.append, encode_basestring_ascii if ensure_ascii else encode_basestring)
    else:
        _emit(value, out, indent, 0, json.JSONEncoder(ensure_ascii=ensure_ascii).encode)
    return "".join(out)


def _compact(value: Any, put, enc) -> None:
    """`_emit` without indentation, writing straight to `put`: the same text, about twice as fast
    (a recompute writes every unit's score and explanation with it)."""
    kind = type(value)
    if kind is str:
        put(enc(value))
    elif kind is dict:
        if not value:
            put("{}")
            return
        first = True
        for k, v in value.items():
            put(("{" if first else ",") + enc(k if type(k) is str else str(k)) + ":")
            first = False
            _compact(v, put, enc)
        put("}")
    elif kind is list or kind is tuple:
        if not value:
            put("[]")
            return
        first = True
        for v in value:
            put("[" if first else ",")
            first = False
            _compact(v, put, enc)
        put("]")
    elif kind is Decimal:
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as JSON")
        put(format(value, "f"))
    elif value is None:
        put("null")
    elif value is True:
        put("true")
    elif value is False:
        put("false")
    elif kind is int:
        put(str(value))
    elif kind is Encoded:
        if enc is not encode_basestring:
            raise ValueError("Encoded JSON text goes only into compact output (indent=None, ensure_ascii=False)")
        put(value)
    else:  # subclasses and everything else: the general writer decides (and refuses floats)
        out: list[str] = []
        _emit(value, out, None, 0, json.JSONEncoder(ensure_ascii=enc is encode_basestring_ascii).encode)
        put("".join(out))


def _emit(value: Any, out: list[str], indent: int | None, level: int, enc) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Encoded):
        if indent is not None or enc.__self__.ensure_ascii:
            raise ValueError("Encoded JSON text goes only into compact output (indent=None, ensure_ascii=False)")
        out.append(value)
    elif isinstance(value, str):
        out.append(enc(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as JSON")
        out.append(format(value, "f"))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Mapping):
        sep = ": " if indent is not None else ":"
        _emit_items([(enc(str(k)) + sep, v) for k, v in value.items()], "{", "}", out, indent, level, enc)
    elif isinstance(value, (list, tuple)):
        _emit_items([("", v) for v in value], "[", "]", out, indent, level, enc)
    elif isinstance(value, float):
        raise TypeError("binary floats are not written here: use Decimal")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _emit_items(
    items: list[tuple[str, Any]], open_: str, close: str, out: list[str], indent: int | None, level: int, enc
) -> None:
    if not items:
        out.append(open_ + close)
        return
    out.append(open_)
    inner = None if indent is None else "\n" + " " * (indent * (level + 1))
    for i, (prefix, v) in enumerate(items):
        if inner is None:
            out.append(("," if i else "") + prefix)
        else:
            out.append(("," if i else "") + inner + prefix)
        _emit(v, out, indent, level + 1, enc)
    if indent is not None:
        out.append("\n" + " " * (indent * level))
    out.append(close)

"""The exact-JSON codec's nesting limit: refused past MAX_DEPTH, accepted up to it, for str and bytes,
however many brackets a shallow document holds (the check now runs in C over the brackets only)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.rules.exactjson import MAX_DEPTH, InvalidJSON, loads

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("kind", [str, bytes])
def test_nesting_up_to_the_limit_is_read_and_one_more_is_refused(kind):
    ok = "[" * MAX_DEPTH + "1.5" + "]" * MAX_DEPTH
    deep = "[" + ok + "]"
    value = loads(kind(ok, "utf-8") if kind is bytes else ok)
    for _ in range(MAX_DEPTH):
        (value,) = value
    assert value == Decimal("1.5")
    with pytest.raises(InvalidJSON, match=f"nested deeper than {MAX_DEPTH}"):
        loads(kind(deep, "utf-8") if kind is bytes else deep)


def test_objects_and_arrays_count_alike():
    deep = '{"a":' * (MAX_DEPTH // 2) + "[" * (MAX_DEPTH // 2 + 1) + "]" * (MAX_DEPTH // 2 + 1) + "}" * (MAX_DEPTH // 2)
    with pytest.raises(InvalidJSON, match="nested deeper"):
        loads(deep)


def test_a_wide_shallow_document_with_many_brackets_is_read():
    text = "[" + ",".join('{"a":[1,2,{"b":[]}]}' for _ in range(5000)) + "]"
    assert len(loads(text)) == 5000

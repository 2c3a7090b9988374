"""The compact writer (every stored score, event and hash) writes what the general writer writes."""

from __future__ import annotations

import json
import random
from collections import OrderedDict
from decimal import Decimal

import pytest

from jixiao.rules import exactjson

pytestmark = pytest.mark.unit

LEAVES = (None, True, False, 0, 1, -5, 10**30, Decimal("1.50"), Decimal("-0.0001"), Decimal("1E+3"), Decimal("0E-8"),
          "", "x", 'a"b\\c', "中文\x00\n\t", "\u2028")  # fmt: skip


def _document(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth > 4 or r < 0.3:
        return rng.choice(LEAVES)
    if r < 0.6:
        return {rng.choice(("k", "键", '"q', "")) + str(i): _document(rng, depth + 1) for i in range(rng.randint(0, 4))}
    items = [_document(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return items if r < 0.8 else tuple(items)


def _general(value, ensure_ascii: bool) -> str:
    out: list[str] = []
    exactjson._emit(value, out, None, 0, json.JSONEncoder(ensure_ascii=ensure_ascii).encode)
    return "".join(out)


@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_compact_output_equals_the_general_writer(ensure_ascii: bool) -> None:
    rng = random.Random(7)
    for _ in range(2_000):
        doc = _document(rng)
        assert exactjson.dumps(doc, ensure_ascii=ensure_ascii) == _general(doc, ensure_ascii)


def test_subclasses_keys_and_refusals_take_the_general_path() -> None:
    class Name(str):
        pass

    doc = OrderedDict([(Name("a"), [Name("b"), 1]), (2, {"c": Decimal("2.50")})])
    assert exactjson.dumps(doc) == '{"a":["b",1],"2":{"c":2.50}}'
    with pytest.raises(TypeError):
        exactjson.dumps({"x": [1.5]})
    with pytest.raises(ValueError):
        exactjson.dumps([Decimal("NaN")])

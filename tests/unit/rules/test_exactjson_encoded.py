"""exactjson.Encoded: text the writer already wrote goes into a compact document verbatim, the same
bytes as parsing it and writing it again (the scoring service answers stored JSON this way)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jixiao.rules.exactjson import Encoded, dumps, loads

DOC = {
    "total": D("86.50"),
    "tiny": D("0.0012345678901234567890123456"),
    "big": D("123456789012345678901234567.8"),
    "zero": D("-0.0"),
    "count": 12345678901234567890,
    "name": '白莲镇 "一村"\n\t\u2028',
    "flags": [True, False, None, [], {}],
    "nested": {"a": [D("1.10"), {"b": D("-3")}]},
}


def test_encoded_text_is_written_as_it_is_and_equals_writing_it_again() -> None:
    text = dumps(DOC, indent=None)
    whole = {"plan": "p", "score": Encoded(text), "after": D("2.00")}
    assert dumps(whole, indent=None) == dumps({"plan": "p", "score": loads(text), "after": D("2.00")}, indent=None)
    assert dumps([Encoded(text)]) == "[" + text + "]"


def test_encoded_text_is_refused_where_it_would_need_re_indenting_or_escaping() -> None:
    with pytest.raises(ValueError, match="compact output"):
        dumps({"score": Encoded("{}")}, indent=1)
    with pytest.raises(ValueError, match="compact output"):
        dumps({"score": Encoded('"白"')}, ensure_ascii=True)

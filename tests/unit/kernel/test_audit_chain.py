"""The audit chain shows tampering: an edited, deleted or re-ordered row breaks it at that row."""

from __future__ import annotations

import datetime as dt

import pytest

from jixiao import audit

pytestmark = pytest.mark.unit


def _chain(n: int) -> list[dict]:
    rows, prev = [], audit.GENESIS
    for i in range(1, n + 1):
        row = {
            "seq": i,
            "at": dt.datetime(2026, 6, 1, 8, 0, i, tzinfo=dt.UTC),
            "actor": "王五",
            "role": "inspector",
            "action": "DeductionRecorded",
            "entity_type": "DeductionRecorded",
            "entity_id": f"d{i}",
            "before": None,
            "after": f'{{"points":"{i}"}}',
            "trace_id": f"t{i}",
        }
        row["prev_hash"], row["hash"] = prev, audit.row_hash(prev, row)
        prev = row["hash"]
        rows.append(row)
    return rows


def test_an_untouched_chain_verifies():
    assert audit.verify_rows(_chain(5)) is None


def test_an_edited_row_is_named():
    rows = _chain(5)
    rows[2]["after"] = '{"points":"0"}'
    assert audit.verify_rows(rows) == audit.Broken(3, "its content does not match its hash (edited)")


def test_a_deleted_row_is_named_by_the_row_after_it():
    rows = _chain(5)
    del rows[1]
    broken = audit.verify_rows(rows)
    assert broken is not None and broken.seq == 3 and "deleted or inserted" in broken.reason


def test_a_row_inserted_out_of_order_is_named():
    rows = _chain(4)
    rows.insert(2, {**rows[0], "seq": 9})
    broken = audit.verify_rows(rows)
    assert broken is not None and broken.seq == 9


def test_personal_data_is_masked():
    assert audit.mask({"name": "张三", "phone": "13800000000", "rows": [{"address": "白莲镇"}]}) == {
        "name": "张三",
        "phone": "***",
        "rows": [{"address": "***"}],
    }

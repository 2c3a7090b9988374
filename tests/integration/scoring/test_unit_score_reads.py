"""`GET …/units/{unit}`: the exact bytes of the answer (provisional and graded)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bundle_events import all_events, bundle_events, load_doc, records

from jixiao.rules import exactjson
from jixiao.rules.exactjson import dumps
from services.scoring.adapters import orm

pytestmark = pytest.mark.integration

PLAN = "bailian-2026"


async def _stored(scoring, table, **where) -> dict[str, sa.Row]:
    async with scoring.runtime.db.transaction() as s:
        q = sa.select(table).where(*(table.c[k] == v for k, v in where.items()))
        return {r.unit_id: r for r in (await s.execute(q)).all()}


async def test_a_unit_score_answers_the_exact_json_of_its_entry_and_explanation(scoring) -> None:
    assert (await scoring.applier.apply(records(all_events(bundle_events(load_doc())))))["parked"] == 0
    units = (await scoring.service.results_doc(PLAN, "Y"))[0]["units"]
    stored = await _stored(scoring, orm.unit_scores, plan_id=PLAN, period="Y")
    assert len(units) == len(stored) == 37
    for entry in units:  # provisional: the results document's entry (rank within the group), as bytes
        row = stored[entry["unit"]]
        want = {
            "plan": PLAN,
            "period": "Y",
            "snapshot_version": 0,
            "version": row.version,
            "score": entry,
            "explanation": exactjson.loads(row.explanation_json),
        }
        got = await scoring.http.get(f"/v1/plans/{PLAN}/periods/Y/units/{entry['unit']}")
        assert (got.status_code, got.headers["content-type"]) == (200, "application/json")
        assert got.content == dumps(want, indent=None).encode()

    assert (await scoring.http.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"actor": "office"})).status_code == 200
    graded = (await scoring.service.results_doc(PLAN, "Y"))[0]["units"]
    snapshot = await _stored(scoring, orm.snapshot_scores, plan_id=PLAN, period="Y", version=1)
    for entry in graded:
        want = {
            "plan": PLAN,
            "period": "Y",
            "snapshot_version": 1,
            "score": entry,
            "explanation": exactjson.loads(snapshot[entry["unit"]].explanation_json),
        }
        for query in ("", "?version=1"):
            got = await scoring.http.get(f"/v1/plans/{PLAN}/periods/Y/units/{entry['unit']}{query}")
            assert got.content == dumps(want, indent=None).encode()
    # ?provisional=true still reads the current scores, ranked as the provisional results are
    got = await scoring.http.get(f"/v1/plans/{PLAN}/periods/Y/units/v03?provisional=true")
    assert got.json()["snapshot_version"] == 0 and got.json()["score"]["status"] == "provisional"

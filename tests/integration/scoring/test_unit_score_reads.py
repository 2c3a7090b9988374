"""`GET …/units/{unit}`: the exact bytes of the answer (provisional and graded), and one SQL
statement per request whatever the number of units (the bench's score queries read it)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from bundle_events import all_events, bundle_events, load_doc, records

from jixiao.rules import exactjson
from jixiao.rules.exactjson import dumps
from services.scoring.adapters import orm

pytestmark = pytest.mark.integration

PLAN = "bailian-2026"


@contextmanager
def counted_statements(engine):
    """The SQL statements the engine sends while the block runs (BEGIN/ROLLBACK and pings are not
    statements of the request's own)."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)


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


async def test_a_unit_score_is_one_sql_statement_and_unknown_ones_are_404(scoring) -> None:
    assert (await scoring.applier.apply(records(all_events(bundle_events(load_doc())))))["parked"] == 0
    url = f"/v1/plans/{PLAN}/periods/Y/units"
    for query in ("", "?provisional=true"):
        with counted_statements(scoring.runtime.db.engine) as sent:
            assert (await scoring.http.get(f"{url}/v03{query}")).status_code == 200
        assert len(sent) == 1, sent
    assert (await scoring.http.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"actor": "office"})).status_code == 200
    for query in ("", "?version=1", "?provisional=true"):
        with counted_statements(scoring.runtime.db.engine) as sent:
            assert (await scoring.http.get(f"{url}/v03{query}")).status_code == 200
        assert len(sent) == 1, sent

    assert (await scoring.http.get(f"{url}/x9")).json()["detail"] == "unit 'x9' is not in snapshot 1 of bailian-2026/Y"
    assert (await scoring.http.get(f"{url}/v03?version=2")).json()["detail"] == "no graded snapshot 2 of bailian-2026/Y"
    missing = await scoring.http.get(f"{url}/x9?provisional=true")
    assert (missing.status_code, missing.json()["detail"]) == (404, "no score for unit 'x9' in bailian-2026/Y")
    assert (await scoring.http.get("/v1/plans/nope/periods/Y/units/v03")).status_code == 404


# unit: (group, status, total) — b and c tie, e is incomplete, f was refused by the rules
ROWS = {
    "a": ("villages", "final", "90.00"),
    "b": ("villages", "final", "85.50"),
    "c": ("villages", "final", "85.5"),
    "d": ("villages", "final", "80.00"),
    "e": ("villages", "incomplete", "95.00"),
    "f": ("villages", "error", None),
    "g": ("agencies", "final", "70.00"),
}


def _score_row(unit: str, group: str, status: str, total: str | None) -> dict:
    total_d = None if total is None else exactjson.loads(total)
    if status == "error":
        entry = {"unit": unit, "group": group, "status": status, "error": "no plan"}
    else:
        entry = {"unit": unit, "group": group, "status": status, "components": {}, "vetoed": False}
        entry |= {"missing": [], "total": total_d, "grade": None, "award_eligible": False, "rank": None}
    explanation = {"total_exact": total_d} if total else {"error": "no plan"}
    return {
        "plan_id": "r-2026",
        "unit_id": unit,
        "period": "Y",
        "version": 3,
        "status": status,
        "group": group,
        "total": total_d,
        "grade": None,
        "score_json": dumps(entry, indent=None),
        "explanation_json": dumps(explanation, indent=None),
    }


async def test_ties_share_a_rank_and_a_refused_unit_answers_its_stored_entry(scoring) -> None:
    rows = [_score_row(u, *v) for u, v in ROWS.items()]
    async with scoring.runtime.db.transaction() as s:
        await s.execute(sa.insert(orm.unit_scores), rows)
    entries = {e["unit"]: e for e in (await scoring.service.results_doc("r-2026", "Y"))[0]["units"]}
    assert {u: e["rank"] for u, e in entries.items()} == {"a": 1, "b": 2, "c": 2, "d": 4, "e": None, "g": 1}
    for row in rows:
        got = await scoring.http.get(f"/v1/plans/r-2026/periods/Y/units/{row['unit_id']}")
        score = entries.get(row["unit_id"]) or exactjson.loads(row["score_json"])
        want = {"plan": "r-2026", "period": "Y", "snapshot_version": 0, "version": 3, "score": score}
        want["explanation"] = exactjson.loads(row["explanation_json"])
        assert got.content == dumps(want, indent=None).encode()

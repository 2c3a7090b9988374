"""Scoring's tamper-evident trail: closes (with the graded snapshot's hash) and re-scores append to
its audit chain, and `jixiao audit verify` recomputes every graded snapshot's hash — an edited
audit row or an edited snapshot makes it fail, naming the row or the plan/period/version."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bundle_events import all_events, bundle_events, load_doc, records

from jixiao.audit import audit_table, snapshot_sha256
from jixiao.rules import exactjson
from jixiao_cli.commands.audit import verify_all

pytestmark = pytest.mark.integration
PLAN = "bailian-2026"


async def _rows(scoring) -> list[dict]:
    table = audit_table(sa.MetaData(schema="scoring"))
    async with scoring.runtime.db.engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(sa.select(table).order_by(table.c.seq))]


async def _sql(scoring, statement: str, **params) -> None:
    async with scoring.runtime.db.engine.begin() as conn:
        await conn.execute(sa.text(statement), params)


async def test_closes_and_rescores_are_chained_and_verify_checks_the_graded_snapshots(scoring, database_url, capsys):
    assert await scoring.runtime.probe_audit_table()  # as the lifespan does: the chain exists (0006)
    outcomes = await scoring.applier.apply(records(all_events(bundle_events(load_doc()))))
    assert outcomes["parked"] == 0

    closed = await scoring.http.post(f"/v1/plans/{PLAN}/periods/Y/close", json={"actor": "县绩效办"})
    assert closed.status_code == 200, closed.text
    rescored = await scoring.http.post(f"/v1/plans/{PLAN}/periods/Y/rescore", json={"actor": "县绩效办"})
    assert rescored.status_code == 200, rescored.text

    rows = await _rows(scoring)
    actions = [r["action"] for r in rows]
    assert "period.closed" in actions and "period.rescored" in actions and "UnitScoreGraded" in actions
    close_row = next(r for r in rows if r["action"] == "period.closed")
    assert close_row["entity_id"] == f"{PLAN}/Y/v1"
    async with scoring.runtime.db.engine.connect() as conn:
        stored, results_json = (
            await conn.execute(sa.text("SELECT results_sha256, results_json FROM scoring.snapshots WHERE version = 1"))
        ).one()
    assert stored == snapshot_sha256(results_json) and f'"results_sha256":"{stored}"' in close_row["after"]

    assert await verify_all(database_url) == []
    assert "scoring: graded snapshots ok (1)" in capsys.readouterr().out

    # a unit dropped from the stored snapshot: its content no longer matches its hash
    doc = exactjson.loads(results_json)
    doc["units"] = doc["units"][:-1]
    await _sql(scoring, "UPDATE scoring.snapshots SET results_json = :j WHERE version = 1", j=exactjson.dumps(doc))
    assert await verify_all(database_url) == ["scoring"]
    err = capsys.readouterr().err
    assert f"graded snapshot {PLAN}/Y/v1: its content does not match its hash" in err

    # ... and the hash rewritten to match: the close's row in the chain still names the old one
    await _sql(
        scoring,
        "UPDATE scoring.snapshots SET results_sha256 = :d WHERE version = 1",
        d=snapshot_sha256(await _one(scoring, "SELECT results_json FROM scoring.snapshots WHERE version = 1")),
    )
    assert await verify_all(database_url) == ["scoring"]
    assert f"graded snapshot {PLAN}/Y/v1: its hash is not the one its close recorded" in capsys.readouterr().err

    # put the snapshot back; then edit the close's audit row itself
    await _sql(
        scoring,
        "UPDATE scoring.snapshots SET results_json = :j, results_sha256 = :d WHERE version = 1",
        j=results_json,
        d=stored,
    )
    assert await verify_all(database_url) == []
    capsys.readouterr()
    await _sql(
        scoring,
        "UPDATE scoring.audit_chain SET actor = 'someone else' WHERE seq = :s",
        s=close_row["seq"],
    )
    assert await verify_all(database_url) == ["scoring"]
    assert f"scoring: audit chain broken at row {close_row['seq']}" in capsys.readouterr().err


async def _one(scoring, statement: str):
    async with scoring.runtime.db.engine.connect() as conn:
        return (await conn.execute(sa.text(statement))).scalar_one()

"""Bulk survey response import vs asyncpg `copy_records_to_table` into an equal bare table (goal ≥ 0.5).

Starts an embedded PostgreSQL (or uses $JIXIAO_TEST_POSTGRES_URL), migrates the surveys schema,
defines a plan with 40 units and 2 rounds, then imports N responses in batches through the same
handler `POST /v1/import` and `POST /v1/plans/{plan}/responses` use (validation, look-up of the
ids already stored, COPY of the new rows, the running aggregates in the same transaction,
re-score of every changed (unit, round) from its aggregates, outbox events). Reports the raw
insert rate (repository only), the end-to-end rates, and re-scoring every (unit, round) from all
its stored responses (as every batch did before the aggregates) against re-scoring it from the
aggregates, checked equal digit for digit. The baseline: the same rows, in the same batches,
COPYed with asyncpg's `copy_records_to_table` into a bare table made `LIKE responses INCLUDING ALL`
(same columns, key and index; no look-up, no aggregates, no scoring, no events).

    .venv/bin/python bench/bench_survey_import.py [--responses 300000] [--batch 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Result, quiet, rate
from jixiao.migrations import migrate
from jixiao.rules.model import SurveyResponse
from jixiao.rules.survey import round_score
from jixiao.runtime import Runtime
from jixiao.settings import DatabaseSettings, KafkaSettings, ServiceSettings
from jixiao.testing.servers import fresh_database, start_test_postgres, stop_server
from services.surveys.adapters.responses import ResponseRow
from services.surveys.app import parts
from services.surveys.domain.aggregates import round_score_from_counts
from services.surveys.service import handlers
from services.surveys.service.unit_of_work import SqlAlchemySurveysUnitOfWork

STRATA = {
    "npc_deputy": Decimal("0.1"),
    "business": Decimal("0.2"),
    "urban_resident": Decimal("0.3"),
    "rural_resident": Decimal("0.4"),
}
ANSWERS = ["satisfied", "basically_satisfied", "dissatisfied", None, "no_answer"]
ANSWER_SCORES = {"satisfied": Decimal(100), "basically_satisfied": Decimal(80), "dissatisfied": Decimal(0)}
UNITS = [f"u{i:02d}" for i in range(40)]


def plan_doc(plan_id: str) -> dict:
    return {
        "plan": {
            "id": plan_id,
            "name": "bench",
            "year": 2026,
            "components": [
                {"key": "indicators", "type": "indicators", "weight": Decimal("0.8")},
                {"key": "survey", "type": "survey", "weight": Decimal("0.2")},
            ],
            "grade_bands": [{"grade": "ok", "label": "ok", "min": None}],
            "awards": {"eligible_grades": []},
            "veto": {"categories": [], "grade": None},
            "survey": {
                "rounds": [
                    {"id": "mid", "weight": Decimal("0.5"), "period": "H1"},
                    {"id": "final", "weight": Decimal("0.5"), "period": "Y"},
                ],
                "strata": STRATA,
                "answer_scores": ANSWER_SCORES,
            },
        },
        "units": [{"id": u, "name": u, "kind": "village"} for u in UNITS],
        "survey_strata": [],
    }


def records(n: int, start: int, rng: random.Random) -> list[dict]:
    strata = list(STRATA)
    return [
        {
            "id": f"r{start + i}",
            "unit": rng.choice(UNITS),
            "round": rng.choice(("mid", "final")),
            "stratum": rng.choice(strata),
            "mode": "phone",
            "answers": [rng.choice(ANSWERS) for _ in range(10)],
        }
        for i in range(n)
    ]


async def copy_baseline(url: str, rows: list[ResponseRow], batch: int) -> float:
    """Seconds to COPY `rows` (in `batch`es, one transaction each) into a bare copy of `responses`."""
    import asyncpg

    conn = await asyncpg.connect(
        url.replace("postgresql+asyncpg://", "postgresql://"), server_settings={"search_path": "surveys"}
    )
    try:
        await conn.execute("CREATE TABLE bare_responses (LIKE responses INCLUDING ALL)")
        columns = ["plan_id", "response_id", "unit_id", "round_id", "stratum", "mode", "answers", "source"]
        t0 = time.perf_counter()
        for i in range(0, len(rows), batch):
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "bare_responses",
                    records=[
                        ("bare", r.response_id, r.unit_id, r.round_id, r.stratum, r.mode, list(r.answers), "import")
                        for r in rows[i : i + batch]
                    ],
                    columns=columns,
                )
        return time.perf_counter() - t0
    finally:
        await conn.close()


async def run(url: str, total: int, batch: int, result: Result) -> None:
    runtime = Runtime(
        parts(),
        ServiceSettings(service="surveys"),
        DatabaseSettings(database_url=url, database_pool_size=2),
        KafkaSettings(),
    )
    runtime.extras["pii_cipher"] = None
    await migrate(url, "surveys")
    rng = random.Random(7)
    try:
        await handlers.define_plan(SqlAlchemySurveysUnitOfWork(runtime), plan_doc("bench"))
        # 1. raw: validated rows straight through the repository (look-up, COPY, aggregates)
        rows = [
            ResponseRow(r["id"], r["unit"], r["round"], r["stratum"], r["mode"], tuple(r["answers"]))
            for r in records(total, 0, rng)
        ]
        t0 = time.perf_counter()
        for i in range(0, total, batch):
            async with SqlAlchemySurveysUnitOfWork(runtime) as uow:
                await uow.repo.insert_responses("bench", rows[i : i + batch], handlers.response_scorer(ANSWER_SCORES))
                await uow.commit()
        raw = time.perf_counter() - t0
        print(f"raw insert (look-up, COPY, aggregates):{total:>7} responses in {raw:6.2f} s = {total / raw:>9,.0f} /s")
        copy = await copy_baseline(url, rows, batch)
        print(f"baseline COPY into a bare table:      {total:>8} responses in {copy:6.2f} s = {total / copy:>9,.0f} /s")

        # 2. end to end: validation, insert, re-score of every changed (unit, round), outbox events
        await handlers.define_plan(SqlAlchemySurveysUnitOfWork(runtime), plan_doc("bench2"))
        data = records(total, 0, rng)
        t0 = time.perf_counter()
        published = 0
        for i in range(0, total, batch):
            report = await handlers.import_responses(
                SqlAlchemySurveysUnitOfWork(runtime), "bench2", data[i : i + batch]
            )
            published += report["scores_updated"]
        e2e = time.perf_counter() - t0
        print(
            f"end to end (validate, insert, score): {total:>8} responses in {e2e:6.2f} s = {total / e2e:>9,.0f} /s"
            f"  ({published} SurveyScoreUpdated events)"
        )

        # 3. re-delivery of everything: idempotent, nothing changes
        t0 = time.perf_counter()
        for i in range(0, total, batch):
            report = await handlers.import_responses(
                SqlAlchemySurveysUnitOfWork(runtime), "bench2", data[i : i + batch]
            )
            assert report["accepted"] == 0 and report["scores_updated"] == 0
        again = time.perf_counter() - t0
        base = f"COPY {rate(total / copy)}"
        goal = "≥ 0.5 of COPY"
        result.row("repository only (look-up, COPY, aggregates)", rate(total / raw), base, f"{copy / raw:.2f}")
        result.row(
            f"full import in batches of {batch:,} (validate, insert, score, events)",
            rate(total / e2e),
            base,
            f"{copy / e2e:.2f}",
            goal,
        )
        result.row("re-sending everything (all unchanged)", rate(total / again), base, f"{copy / again:.2f}")
        print(
            f"re-delivery (all unchanged):          {total:>8} responses in {again:6.2f} s = {total / again:>9,.0f} /s"
        )

        # 4. one request holding everything (as `jixiao import` sends a bundle): one re-score pass
        await handlers.define_plan(SqlAlchemySurveysUnitOfWork(runtime), plan_doc("bench3"))
        t0 = time.perf_counter()
        report = await handlers.import_responses(SqlAlchemySurveysUnitOfWork(runtime), "bench3", data)
        one = time.perf_counter() - t0
        print(
            f"one request (validate, insert, score): {total:>7} responses in {one:6.2f} s = {total / one:>9,.0f} /s"
            f"  ({report['scores_updated']} SurveyScoreUpdated events)"
        )
        result.row(
            "full import as one request", rate(total / one), f"COPY {rate(total / copy)}", f"{copy / one:.2f}", goal
        )

        # 5. every (unit, round) re-scored from all its stored responses vs from its aggregates
        async with SqlAlchemySurveysUnitOfWork(runtime) as uow:
            ctx = await handlers.load_context(uow.repo, "bench3")
            pairs = sorted(await uow.repo.unit_rounds_with_responses("bench3"))
            t0 = time.perf_counter()
            responses = await uow.repo.responses_of("bench3", pairs)
            old = {
                p: round_score(
                    p[1],
                    [SurveyResponse(r.response_id, r.round_id, r.stratum, r.answers) for r in responses[p]],
                    ctx.unit_weights(p[0]),
                    ANSWER_SCORES,
                )
                for p in pairs
            }
            scratch = time.perf_counter() - t0
            t0 = time.perf_counter()
            aggregates = await uow.repo.aggregates_of("bench3", pairs)
            new = {p: round_score_from_counts(p[1], aggregates[p], ctx.unit_weights(p[0])) for p in pairs}
            incremental = time.perf_counter() - t0
        assert {p: str(s) for p, s in old.items()} == {p: str(s) for p, s in new.items()}, "aggregates differ"
        print(
            f"re-score {len(pairs)} (unit, round): from all responses {scratch:6.2f} s,"
            f" from the aggregates {incremental:6.3f} s (equal, digit for digit)"
        )
        result.row(
            f"re-score all {len(pairs)} (unit, round) from the aggregates",
            f"{incremental:.2f} s",
            f"from all stored responses {scratch:.2f} s",
            f"{scratch / incremental:.0f}× faster",
        )
    finally:
        await runtime.db.dispose()


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=300_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    result = Result(
        "survey_import", "Bulk survey import vs asyncpg COPY into a bare table", "python bench/bench_survey_import.py"
    )
    result.note(
        f"{args.responses:,} responses (10 answers each, drawn at random), 40 units × 2 rounds, embedded PostgreSQL;"
        " every rate is divided into the COPY rate of the same rows in the same batches."
    )
    server = start_test_postgres(Path(tempfile.mkdtemp(prefix="jixiao-bench-")))
    try:
        with fresh_database(server, prefix="bench") as url:
            asyncio.run(run(url, args.responses, args.batch, result))
    finally:
        stop_server(server)
    result.save(args.out)
    return result


if __name__ == "__main__":
    main()

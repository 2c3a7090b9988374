"""One unit's provisional score: ranked as the provisional results rank it (competition ranking
within the group, ties share a rank), a unit the rules refused answered with its stored entry."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jixiao.errors import NotFound
from jixiao.rules.exactjson import dumps
from services.scoring.service.queries import results_doc, unit_score

PLAN = "r-2026"

# unit: (group, status, total) — b and c tie, e is incomplete, f was refused by the rules
ROWS = {
    "a": ("villages", "final", D("90.00")),
    "b": ("villages", "final", D("85.50")),
    "c": ("villages", "final", D("85.5")),
    "d": ("villages", "final", D("80.00")),
    "e": ("villages", "incomplete", D("95.00")),
    "f": ("villages", "error", None),
    "g": ("agencies", "final", D("70.00")),
}


def score_rows() -> list[dict]:
    """unit_scores rows as recompute stores them (the entry's group, status and total in columns too)."""
    rows = []
    for unit, (group, status, total) in ROWS.items():
        if status == "error":
            entry = {"unit": unit, "group": group, "status": status, "error": "no plan"}
        else:
            entry = {"unit": unit, "group": group, "status": status, "components": {}, "vetoed": False}
            entry |= {"missing": [], "total": total, "grade": None, "award_eligible": False, "rank": None}
        rows.append(
            {
                "plan_id": PLAN,
                "unit_id": unit,
                "period": "Y",
                "version": 3,
                "status": status,
                "group": group,
                "total": total,
                "grade": None,
                "score_json": dumps(entry, indent=None),
                "explanation_json": dumps({"total_exact": total} if total else {"error": "no plan"}, indent=None),
            }
        )
    return rows


@pytest.fixture
async def stored(deps):
    async with deps.uow_factory() as uow:
        for row in score_rows():
            await uow.repo.save_scores([row])
        await uow.commit()
    return {r["unit_id"]: r for r in score_rows()}


async def test_a_provisional_unit_score_carries_the_rank_of_the_provisional_results(deps, stored) -> None:
    entries = {e["unit"]: e for e in (await results_doc(deps, PLAN, "Y"))[0]["units"]}
    assert {u: e["rank"] for u, e in entries.items()} == {"a": 1, "b": 2, "c": 2, "d": 4, "e": None, "g": 1}
    for unit in entries:
        got = await unit_score(deps, PLAN, "Y", unit)
        assert (got["snapshot_version"], got["version"], got["score"]) == (0, 3, entries[unit])


async def test_a_refused_unit_answers_its_stored_entry_and_versions_need_a_snapshot(deps, stored) -> None:
    got = await unit_score(deps, PLAN, "Y", "f")
    assert got["score"] == {"unit": "f", "group": "villages", "status": "error", "error": "no plan"}
    assert dumps(got["explanation"], indent=None) == stored["f"]["explanation_json"]
    for provisional in (False, True):
        with pytest.raises(NotFound, match="no graded snapshot 1 of r-2026/Y"):
            await unit_score(deps, PLAN, "Y", "a", version=1, provisional=provisional)

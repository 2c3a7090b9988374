"""Builders shared by the reports tests: the township's golden results as scoring's score messages."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from jixiao.proto.events.v1 import scores_pb2
from jixiao.samples import BAILIAN_BUNDLE

DATA = Path(__file__).resolve().parents[2] / "data"


def golden_units() -> list[dict]:
    """The units of the township's expected results (bailian-2026.results.json), numbers as Decimals."""
    return json.loads((DATA / "bailian-2026.results.json").read_text("utf-8"), parse_float=Decimal)["units"]


def township_bundle() -> dict:
    return json.loads(BAILIAN_BUNDLE.read_text("utf-8"), parse_float=Decimal)


def unit_names() -> dict[str, str]:
    return {u["id"]: u["name"] for u in township_bundle()["units"]}


def unit_score(u: dict, **override) -> scores_pb2.UnitScore:
    """A results/v1 entry (with `override`s) as the UnitScore scoring publishes."""
    u = {**u, **override}
    return scores_pb2.UnitScore(
        unit_id=u["unit"],
        group=u["group"],
        status=u["status"],
        components={k: str(v) for k, v in u["components"].items()},
        survey_se=str(u.get("survey_se", "")),
        total="" if u["total"] is None else str(u["total"]),
        grade=u["grade"] or "",
        rank=u["rank"] or 0,
        vetoed=u["vetoed"],
        award_eligible=u["award_eligible"],
        missing=u["missing"],
    )

"""The deterministic synthetic county the benchmarks and the load run share.

`generate(units, responses_per_unit, seed)` gives a jixiao.bundle/v1 document (numbers as Decimals)
on the plan of the worked example (Bailian): indicator results (some corrected, some missing, 3%
unconfirmed), survey responses, deductions and a few vetoes. A county is about 1,500 units; a
larger size ("townships added, same plan") is simply more units.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

from jixiao.rules.exactjson import dumps
from jixiao.samples import BAILIAN_BUNDLE

COUNTY_UNITS = 1500
RESPONSES_PER_UNIT = 170
SEED = 2026
RECORD_KINDS = ("results", "survey_responses", "deductions")

EXAMPLE = BAILIAN_BUNDLE
KINDS = (("village", "villages", 0.45), ("committee", "villages", 0.1), ("agency", "agencies", 0.45))
ANSWERS = ("satisfied",) * 6 + ("basically_satisfied",) * 2 + ("dissatisfied", None, "no_answer")


def _dec(rng: random.Random, low: int, high: int, places: int = 1) -> Decimal:
    """A random decimal in [low, high] with `places` decimals (no floats involved)."""
    scale = 10**places
    return Decimal(rng.randint(low * scale, high * scale)).scaleb(-places)


def _value(rng: random.Random, method: dict, target: Decimal | None, max_points: Decimal) -> dict:
    mtype = method["type"]
    if mtype in ("ratio", "inverse_ratio", "bands"):
        return {"actual": (target * _dec(rng, 60, 130, 2) / 100).quantize(Decimal("0.1"))}
    if mtype == "rating":
        return {"rating": rng.choice(sorted(method["ratings"]))}
    if mtype == "boolean":
        return {"done": rng.random() < 0.85}
    return {"points": (max_points * _dec(rng, 50, 100, 2) / 100).quantize(Decimal("0.01"))}


def generate(units: int, responses_per_unit: int, seed: int) -> dict:
    """A deterministic synthetic county bundle (numbers as Decimals)."""
    rng = random.Random(seed)
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    plan, indicators = example["plan"], example["indicators"]
    leaves = [node for node in indicators if "method" in node]
    rounds = [r["id"] for r in plan["survey"]["rounds"]]
    strata = list(plan["survey"]["strata"])
    categories = plan["veto"]["categories"]
    doc: dict = {"format": "jixiao.bundle/v1", "plan": plan, "indicators": indicators, "units": []}
    for key in ("targets", "results", "survey_strata", "survey_responses", "deductions", "vetoes"):
        doc[key] = []
    kinds = rng.choices(KINDS, weights=[k[2] for k in KINDS], k=units)
    response_id = deduction_id = 0
    for n, (kind, group, _) in enumerate(kinds, start=1):
        unit = f"u{n:05d}"
        doc["units"].append({"id": unit, "name": f"单位{n}", "kind": kind, "group": group, "parent": "county"})
        for leaf in leaves:
            if "applies_to" in leaf and kind not in leaf["applies_to"]:
                continue
            target = leaf.get("target")
            if target is not None and rng.random() < 0.1:
                target = (target * _dec(rng, 80, 120, 2) / 100).quantize(Decimal("0.1"))
                doc["targets"].append({"unit": unit, "indicator": leaf["id"], "target": target})
            slots = (
                [(p["key"], p["method"]) for p in leaf["method"]["parts"]]
                if leaf["method"]["type"] == "composite"
                else [(None, leaf["method"])]
            )
            for part, method in slots:
                if rng.random() < 0.05:  # missing
                    continue
                for _version in range(1 + (rng.random() < 0.1)):  # some corrected results
                    record = {"unit": unit, "indicator": leaf["id"], "period": "Y", "confirmed": rng.random() < 0.97}
                    if part:
                        record["part"] = part
                    record.update(_value(rng, method, target, leaf["max_points"]))
                    doc["results"].append(record)
        if rng.random() < 0.2:
            doc["survey_strata"].append({"unit": unit, "stratum": "business", "weight": Decimal("0.35")})
        for _ in range(responses_per_unit):
            response_id += 1
            doc["survey_responses"].append(
                {
                    "id": f"r{response_id}",
                    "unit": unit,
                    "round": rng.choice(rounds),
                    "stratum": rng.choice(strata),
                    "mode": "phone" if rng.random() < 0.8 else "face",
                    "answers": [rng.choice(ANSWERS) for _ in range(5)],
                }
            )
        for _ in range(rng.randint(0, 20)):
            deduction_id += 1
            doc["deductions"].append(
                {
                    "id": f"d{deduction_id}",
                    "unit": unit,
                    "kind": "inspection",
                    "points": Decimal(rng.randint(1, 4)) / 2,
                    "date": f"2026-{rng.randint(1, 12):02d}-15",
                    "aspect": "work_style",
                    "revoked": rng.random() < 0.1,
                }
            )
        if rng.random() < 0.02:
            doc["vetoes"].append(
                {"id": f"veto-{unit}", "unit": unit, "category": rng.choice(categories), "date": "2026-08-01"}
            )
    return doc


def county(scale: float = 1, responses_per_unit: int = RESPONSES_PER_UNIT, seed: int = SEED) -> dict:
    """`scale` counties' worth of units (1 = about 1,500 units, 300k records)."""
    return generate(max(1, round(COUNTY_UNITS * scale)), responses_per_unit, seed)


def counts(doc: dict) -> dict[str, int]:
    """How many records of each kind a bundle holds."""
    return {k: len(doc[k]) for k in (*RECORD_KINDS, "targets", "vetoes", "units")}


def records(doc: dict) -> int:
    """Results + survey responses + deductions."""
    return sum(len(doc[k]) for k in RECORD_KINDS)


def write_bundle(doc: dict, path: Path) -> Path:
    """The bundle as a file (exact decimals), as `jixiao score` and `jixiao import` read it."""
    path.write_text(dumps(doc, indent=None), encoding="utf-8")
    return path

"""A bundle under construction (`Year`): explicit results, seeded random results, deductions, vetoes
and survey responses, in the order a plan's builder adds them."""

from __future__ import annotations

import random
from decimal import Decimal as D

from .common import q1


def random_input(rng: random.Random, method: dict, target, max_points, skill: float, progress: float = 1.0) -> dict:
    """One result's input for a (non-composite) method; `skill` ~ 0.8–1.05 moves a unit's year,
    `progress` (≤ 1) scales cumulative quantities for a quarter."""
    t = method["type"]
    if t in ("ratio", "bands"):
        share = min(1.15, max(0.5, rng.gauss(skill, 0.07))) * progress
        return {"actual": q1(D(str(round(share, 3))) * D(target))}
    if t == "inverse_ratio":
        share = max(0.4, rng.gauss(2.0 - skill, 0.15))
        return {"actual": q1(D(str(round(share, 3))) * D(target))}
    if t == "rating":
        keys = list(method["ratings"])  # best first
        best = skill  # rated against the task table's schedule for the period
        weights = [max(0.02, best - 0.55), 0.35, max(0.02, 1.1 - best), 0.03][: len(keys)]
        weights += [0.02] * (len(keys) - len(weights))
        return {"rating": rng.choices(keys, weights)[0]}
    if t == "boolean":
        return {"done": rng.random() < min(0.97, skill - 0.05)}
    if t == "manual":
        share = min(1.0, max(0.3, rng.gauss(skill, 0.08)))
        return {"points": (D(str(round(share, 2))) * D(max_points) * 2).quantize(D(1)) / 2}
    if t == "budget_execution":
        budget = D(rng.randrange(100, 5000, 10))
        return {"budget": budget, "spent": q1(D(str(round(min(1.05, rng.gauss(skill, 0.06)), 3))) * budget)}
    raise ValueError(t)


class Year:
    """A bundle under construction."""

    def __init__(self, plan: dict, units: list[dict], indicators: list[dict], seed: int) -> None:
        self.rng = random.Random(seed)
        self.plan, self.units, self.indicators = plan, units, indicators
        self.targets: list[dict] = []
        self.results: list[dict] = []
        self.strata: list[dict] = []
        self.responses: list[dict] = []
        self.deductions: list[dict] = []
        self.vetoes: list[dict] = []
        self.leaves = {n["id"]: n for n in indicators if "method" in n}
        self._ids: dict[str, int] = {}

    def next_id(self, prefix: str) -> str:
        self._ids[prefix] = self._ids.get(prefix, 0) + 1
        return f"{prefix}{self._ids[prefix]}"

    def leaves_for(self, unit: dict) -> list[dict]:
        return [leaf for leaf in self.leaves.values() if "applies_to" not in leaf or unit["kind"] in leaf["applies_to"]]

    def target(self, unit: dict, leaf: dict):
        for t in self.targets:
            if t["unit"] == unit["id"] and t["indicator"] == leaf["id"]:
                return t["target"]
        return leaf.get("target")

    def result(self, unit: str, leaf: str, period: str, value, part: str | None = None, confirmed: bool = True) -> None:
        """An explicit result: a number is `actual`, a str a `rating`, a bool `done`, ("points", n) manual,
        ("budget", b, s) the budget and the amount spent of a budget_execution leaf."""
        if isinstance(value, bool):
            data = {"done": value}
        elif isinstance(value, str):
            data = {"rating": value}
        elif isinstance(value, tuple) and value[0] == "budget":
            data = {"budget": D(value[1]), "spent": D(value[2])}
        elif isinstance(value, tuple):
            data = {"points": D(value[1])}
        else:
            data = {"actual": D(value)}
        record = {"unit": unit, "indicator": leaf, "period": period}
        if part is not None:
            record["part"] = part
        self.results.append({**record, **data, "confirmed": confirmed})

    def fixed(self, table: dict[str, dict[str, object]], period: str = "Y") -> None:
        """Explicit results: {unit: {leaf: value or {part: value}}}."""
        for unit, rows in table.items():
            for leaf, value in rows.items():
                if isinstance(value, dict):
                    for part, v in value.items():
                        self.result(unit, leaf, period, v, part)
                else:
                    self.result(unit, leaf, period, value)

    def random_results(self, unit: dict, period: str, skill: float, progress: float = 1.0) -> None:
        for leaf in self.leaves_for(unit):
            if self.rng.random() < 0.02:  # now and then a result is not reported at all
                continue
            method, target = leaf["method"], self.target(unit, leaf)
            record = {"unit": unit["id"], "indicator": leaf["id"], "period": period}
            if method["type"] == "composite":
                for part in method["parts"]:
                    if part["method"]["type"] == "progress":  # computed from last year, never entered
                        continue
                    data = random_input(self.rng, part["method"], target, leaf["max_points"], skill, progress)
                    self.results.append({**record, "part": part["key"], **data, "confirmed": True})
            else:
                data = random_input(self.rng, method, target, leaf["max_points"], skill, progress)
                self.results.append({**record, **data, "confirmed": True})

    def deduction(self, unit: str, kind: str, points, day: str, note: str, revoked: bool = False, **extra) -> None:
        self.deductions.append(
            {
                "id": self.next_id("d"),
                "unit": unit,
                "kind": kind,
                "points": D(points),
                "date": f"{self.plan['year']}-{day}",
                **extra,
                "note": note,
                "revoked": revoked,
            }
        )

    def veto(self, unit: str, category: str, day: str, note: str) -> None:
        self.vetoes.append(
            {
                "id": f"veto-{unit}",
                "unit": unit,
                "category": category,
                "date": f"{self.plan['year']}-{day}",
                "note": note,
            }
        )

    def response(self, unit: str, rnd: str, stratum: str, answers: list, mode: str = "phone") -> None:
        self.responses.append(
            {"id": self.next_id("r"), "unit": unit, "round": rnd, "stratum": stratum, "mode": mode, "answers": answers}
        )

    def random_day(self, months: range = range(1, 13)) -> str:
        return f"{self.rng.choice(list(months)):02d}-{self.rng.randint(1, 28):02d}"

    def bundle(self) -> dict:
        doc = {
            "format": "jixiao.bundle/v1",
            "plan": self.plan,
            "units": self.units,
            "indicators": self.indicators,
            "targets": self.targets,
            "results": self.results,
        }
        if self.plan.get("survey"):
            doc["survey_strata"] = self.strata
            doc["survey_responses"] = self.responses
        doc["deductions"] = self.deductions
        doc["vetoes"] = self.vetoes
        return doc

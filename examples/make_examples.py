"""Generate the shipped example bundles (jixiao.bundle/v1) of the four other seed plans (and the
water bureau's 2025, which its 2026 plan's progress parts compare with).

    python examples/make_examples.py          # writes examples/*.bundle.json and jixiao/samples/*.bundle.json

Each bundle is a plausible 2026 made up from its plan's own text (shared/seeds, 篇二 to 篇五):
indicator names, units (sections), quantities, weights and bands as the plan states them, and,
where the plan is silent, the choice written into the plan name and into the tables of its module.

This file is the entry point only (which files, rendering, writing); the plans are built in the
package examples/generator/: `common` (bands, answers, method builders, the indicator leaf), `year`
(the bundle under construction and its seeded random results) and one module per plan (`yanghe`,
`shuili`, `hami`, `pingbian`).

Deterministic: one seeded RNG per plan, tables in fixed order, numbers as Decimals (never floats),
written with `jixiao.rules.exactjson.dumps(..., indent=1)`. A few units per plan (the *_FIXED tables
of each plan module) get explicit data, not random: tests/unit/examples/test_example_plans.py checks
their totals and grades against hand computations. The same bytes go to `examples/` (what people
read) and to `jixiao/samples/` (package data: the wheel and `jixiao demo --plan NAME` use it); a
test checks that both copies equal a fresh run of this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout (also makes examples.generator importable)
    sys.path.insert(0, str(ROOT))

from examples.generator import hami, pingbian, shuili, yanghe  # noqa: E402
from jixiao.rules.exactjson import dumps  # noqa: E402

OUT_DIRS = (ROOT / "examples", ROOT / "jixiao" / "samples")

EXAMPLES = {
    "yanghe-2026.bundle.json": yanghe,
    "shuili-2025.bundle.json": lambda: shuili(2025),
    "shuili-2026.bundle.json": shuili,
    "hami-jiaotong-2026.bundle.json": hami,
    "pingbian-guotu-2026.bundle.json": pingbian,
}


def render() -> dict[str, str]:
    """{file name: JSON text} of every example, freshly generated."""
    return {name: dumps(make(), indent=1) + "\n" for name, make in EXAMPLES.items()}


def main() -> None:
    for name, text in render().items():
        for out in OUT_DIRS:
            (out / name).write_text(text, encoding="utf-8")
        print(f"wrote {name} ({len(text)} bytes) to {', '.join(str(o.relative_to(ROOT)) for o in OUT_DIRS)}")


if __name__ == "__main__":
    main()

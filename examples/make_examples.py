"""Generate the shipped example bundles (jixiao.bundle/v1) of the four other seed plans (and the
water bureau's 2025, which its 2026 plan's progress parts compare with).

    python examples/make_examples.py          # writes examples/*.bundle.json and jixiao/samples/*.bundle.json

Each bundle is a plausible 2026 made up from its plan's own text (shared/seeds, 篇二 to 篇五):
indicator names, units (sections), quantities, weights and bands as the plan states them, and,
where the plan is silent, the choice written into the plan name and into the tables below.

Deterministic: one seeded RNG per plan, tables in fixed order, numbers as Decimals (never floats),
written with `jixiao.rules.exactjson.dumps(..., indent=1)`. A few units per plan (FIXED_* below)
get explicit data, not random: tests/unit/examples/test_example_plans.py checks their totals and
grades against hand computations. The same bytes go to `examples/` (what people read) and to
`jixiao/samples/` (package data: the wheel and `jixiao demo --plan NAME` use it); a test checks
that both copies equal a fresh run of this script.
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from jixiao.rules.exactjson import dumps  # noqa: E402

D = Decimal
YEAR = 2026
OUT_DIRS = (ROOT / "examples", ROOT / "jixiao" / "samples")

# --- shared plan parts ---------------------------------------------------------------------------

# 篇一's county bands (优 ≥ 90, 良 85–90, 一般 75–85, 差 < 75): the township plans' scale
TOWNSHIP_BANDS = [
    {"grade": "excellent", "label": "优", "min": D(90)},
    {"grade": "good", "label": "良", "min": D(85)},
    {"grade": "fair", "label": "一般", "min": D(75)},
    {"grade": "poor", "label": "差", "min": None},
]
# 篇四: 优秀 ≥ 95 (含95), 合格 75–95 (含75), 不合格 < 75 — the bureau scale
BUREAU_BANDS = [
    {"grade": "excellent", "label": "优秀", "min": D(95)},
    {"grade": "pass", "label": "合格", "min": D(75)},
    {"grade": "fail", "label": "不合格", "min": None},
]
ANSWERS = {"satisfied": D(100), "basically_satisfied": D(80), "dissatisfied": D(0)}


def m_ratio():
    return {"type": "ratio"}


def m_inverse():
    return {"type": "inverse_ratio"}


def m_bool():
    return {"type": "boolean"}


def m_manual():
    return {"type": "manual"}


def m_rating(scale):
    return {"type": "rating", "ratings": dict(scale)}


def m_bands(*steps):
    return {"type": "bands", "bands": [{"min": D(lo), "fraction": D(f)} for lo, f in steps]}


def m_composite(*parts):
    return {"type": "composite", "parts": [{"key": k, "weight": D(w), "method": m} for k, w, m in parts]}


# --- the random year -----------------------------------------------------------------------------


def q1(x) -> Decimal:
    """One decimal place, exactly."""
    return D(x).quantize(D("0.1"))


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


def leaf(
    id_: str, name: str, parent: str, points, method: dict, target=None, applies_to=None, responsible=None
) -> dict:
    node = {"id": id_, "name": name, "parent": parent, "max_points": D(points), "method": method}
    if target is not None:
        node["target"] = D(target)
    if applies_to is not None:
        node["applies_to"] = list(applies_to)
    if responsible is not None:
        node["responsible"] = responsible
    return node


# =================================================================================================
# 篇二 杨河乡 — a rural township: 量化评估 (indicators) + 社会评估 (survey)
# =================================================================================================
# The plan names the two parts but no weights, bands, rounds or deductions; it follows the county's
# 实施意见 (峨边府函8号), so this example takes the county pattern of 篇一: 量化评估 80% + 社会评估 20%,
# 察访核验 deductions capped at 3, bands 优/良/一般/差, two evaluation rounds, the county's veto list.

YH_LEVEL = {"village": ["village"], "office": ["office"], "all": None}
YH_RATING = {"excellent": D(1), "good": D("0.8"), "fair": D("0.6"), "poor": D("0.3")}
#                id        name                                  points  method                                  target applies
YH_TREE = [
    (
        "Y1",
        "经济发展水平",
        [
            ("Y1.1", "农民人均纯收入增长率（%）", 8, m_ratio(), 10, "village"),
            ("Y1.2", "特色产业种植面积（亩）", 6, m_ratio(), 500, "village"),
            ("Y1.3", "招商引资和项目服务", 8, m_rating(YH_RATING), None, "office"),
        ],
    ),
    (
        "Y2",
        "和谐社会构建进程",
        [
            ("Y2.1", "信访案件按期办结率（%）", 6, m_ratio(), 100, "all"),
            ("Y2.2", "人口自然增长率（‰）", 5, m_inverse(), 6, "village"),
            ("Y2.3", "新农合参合率（%）", 4, m_bands((1, 1), ("0.95", "0.8"), ("0.9", "0.5"), (0, 0)), 95, "village"),
            ("Y2.4", "全年无较大安全生产事故", 4, m_bool(), None, "all"),
            ("Y2.5", "便民服务事项按时办结率（%）", 6, m_ratio(), 100, "office"),
        ],
    ),
    (
        "Y3",
        "城乡进度",
        [
            ("Y3.1", "通村公路硬化（公里）", 6, m_ratio(), 5, "village"),
            ("Y3.2", "农村危房改造（户）", 5, m_ratio(), 20, "village"),
            ("Y3.3", "城乡环境综合治理", 5, m_rating(YH_RATING), None, "all"),
        ],
    ),
    (
        "Y4",
        "自身建设",
        [
            ("Y4.1", "基层党组织建设", 5, m_rating(YH_RATING), None, "all"),
            ("Y4.2", "政务（村务）公开", 4, m_bool(), None, "all"),
            ("Y4.3", "干部作风和机关效能", 6, m_manual(), None, "all"),
        ],
    ),
]
YH_VILLAGES = ["杨河村", "红花村", "大堡村", "觉莫村", "新场村", "万坪村", "金星村", "马鞍村"]
YH_OFFICES = ["党政办公室", "经济发展办公室", "社会事务办公室", "农业服务中心", "社会保障和计划生育服务中心"]
YH_STRATA = {"npc_deputy": D("0.2"), "business": D("0.2"), "rural_resident": D("0.6")}

# explicit year of 杨河村 (v01) and 经济发展办公室 (o02): see the hand computations in the test
YH_FIXED = {
    "v01": {
        "Y1.1": 12,
        "Y1.2": 360,
        "Y2.1": 100,
        "Y2.2": D("7.5"),
        "Y2.3": D("91.2"),
        "Y2.4": True,
        "Y3.1": 4,
        "Y3.2": 20,
        "Y3.3": "good",
        "Y4.1": "excellent",
        "Y4.2": True,
        "Y4.3": ("points", 5),
    },
    "o02": {
        "Y1.3": "excellent",
        "Y2.1": 95,
        "Y2.4": True,
        "Y2.5": 98,
        "Y3.3": "excellent",
        "Y4.1": "excellent",
        "Y4.2": True,
        "Y4.3": ("points", D("5.5")),
    },
}
S, B, X = "satisfied", "basically_satisfied", "dissatisfied"
YH_FIXED_RESPONSES = {  # (unit, round, stratum): [answers of each response] (three questions each)
    ("v01", "mid", "rural_resident"): [[S, S, S], [B, B, B]],
    ("v01", "mid", "npc_deputy"): [[B, B, B]],
    ("v01", "final", "npc_deputy"): [[S, S, S]],
    ("v01", "final", "business"): [[B, B, B]],
    ("v01", "final", "rural_resident"): [[S, S, S], [B, B, B], [S, B, X]],
    ("o02", "mid", "business"): [[S, S, S]],
    ("o02", "mid", "rural_resident"): [[S, S, S], [S, S, None]],
    ("o02", "final", "npc_deputy"): [[S, S, S]],
    ("o02", "final", "business"): [[S, S, S]],
    ("o02", "final", "rural_resident"): [[B, B, B]],
}


def yanghe() -> dict:
    plan = {
        "id": "yanghe-2026",
        "name": "杨河乡2026年度政府绩效管理实施方案（量化评估80%＋社会评估20%－察访核验扣分，权重按县方案）",
        "year": YEAR,
        "components": [
            {"key": "quantitative", "type": "indicators", "weight": D("0.8")},
            {"key": "social", "type": "survey", "weight": D("0.2")},
            {"key": "inspection", "type": "penalty", "kinds": ["inspection"], "cap": D(3)},
        ],
        "grade_bands": TOWNSHIP_BANDS,
        "awards": {"eligible_grades": ["excellent", "good"]},
        "veto": {
            "categories": [
                "family_planning",
                "public_order",
                "work_safety",
                "environment",
                "rural_medical",
                "rural_pension",
            ],
            "grade": None,
        },
        "groups": {"villages": "行政村", "offices": "乡属各室（中心）"},
        "survey": {
            "rounds": [
                {"id": "mid", "weight": D("0.5"), "period": "H1"},
                {"id": "final", "weight": D("0.5"), "period": "Y"},
            ],
            "strata": YH_STRATA,
            "answer_scores": ANSWERS,
        },
    }
    units = [
        {"id": f"v{i:02d}", "name": n, "kind": "village", "group": "villages", "parent": "yanghe"}
        for i, n in enumerate(YH_VILLAGES, 1)
    ]
    units += [
        {"id": f"o{i:02d}", "name": n, "kind": "office", "group": "offices", "parent": "yanghe"}
        for i, n in enumerate(YH_OFFICES, 1)
    ]
    indicators = []
    for gid, gname, leaves in YH_TREE:
        indicators.append({"id": gid, "name": gname, "parent": None})
        for lid, name, points, method, target, level in leaves:
            indicators.append(
                leaf(
                    lid,
                    name,
                    gid,
                    points,
                    method,
                    target,
                    YH_LEVEL[level],
                    {"unit": "o01", "lead": "乡长", "deputy": "分管副乡长", "head": "绩效管理办"},
                )
            )
    y = Year(plan, units, indicators, seed=2602)
    # village-specific targets: land for special crops and road kilometres differ by village
    for i, u in enumerate(units[: len(YH_VILLAGES)]):
        y.targets.append({"unit": u["id"], "indicator": "Y1.2", "target": D(400 + 50 * (i % 4))})
        y.targets.append({"unit": u["id"], "indicator": "Y3.1", "target": D(5 + i % 3)})
    y.fixed(YH_FIXED)
    for u in units:
        if u["id"] not in YH_FIXED:
            y.random_results(u, "Y", skill=y.rng.uniform(0.82, 1.03))
    # 社会评估: stratified samples by phone (some face to face), mid-year and year-end
    for (unit, rnd, stratum), rows in YH_FIXED_RESPONSES.items():
        for answers in rows:
            y.response(unit, rnd, stratum, answers)
    mood = {u["id"]: y.rng.uniform(0.55, 0.9) for u in units}
    for rnd in ("mid", "final"):
        for u in units:
            if u["id"] in YH_FIXED:
                continue
            for stratum, n in (("npc_deputy", 4), ("business", 4), ("rural_resident", 16)):
                for _ in range(n):
                    p = mood[u["id"]]
                    answers = [y.rng.choices([S, B, X, None], [p, 0.9 - p + 0.1, 0.12, 0.03])[0] for _ in range(3)]
                    y.response(u["id"], rnd, stratum, answers, "face" if y.rng.random() < 0.2 else "phone")
    # 察访核验: v01's two findings go over the cap of 3
    y.deduction("v01", "inspection", 1, "05-10", "暗访：工作日村便民服务室无人值守", aspect="attitude")
    y.deduction("v01", "inspection", D("2.5"), "11-03", "察访：危房改造台账与实际不符", aspect="duties")
    for u in units:
        if u["id"] not in YH_FIXED and y.rng.random() < 0.5:
            y.deduction(
                u["id"],
                "inspection",
                y.rng.choice([D("0.5"), D(1), D("1.5")]),
                y.random_day(),
                "明察暗访发现问题",
                aspect=y.rng.choice(["duties", "work_style", "power_use", "efficiency", "attitude"]),
            )
    y.veto("o02", "public_order", "09-20", "辖区发生群体性事件，县综治委书面通报")
    y.veto("v06", "family_planning", "06-30", "计划生育目标责任考核一票否决")
    return y.bundle()


# =================================================================================================
# 篇三 水利局 — a county water bureau: its sections (科室) on 10 first-level indicators and 39 annual
# targets (业务工作实绩 60%) and 行政能力建设 (40%)
# =================================================================================================
# 业务工作实绩: each target counts 指标完成情况 90% + 绩效进步状况 5% + 绩效创新状况 5% (a composite).
# 行政能力建设 (科学民主行政, 依法行政, 高效行政, 廉洁行政) is assessed by spot checks of files: here an
# `efficiency` component, 100 minus the points of the spot checks' and 察访核验's findings.
# The plan states no grade bands: the bureau scale of 篇四 is used. 公众评议 (600 samples, July and
# December) rates the bureau as a whole for the city, not its sections: not part of this section
# appraisal (the rules have one survey per plan, scored per unit).

# 绩效进步 (progress) from 2026: a target with a completion ratio compares it with the section's
# confirmed 2025 result (plan shuili-2025, examples/shuili-2025.bundle.json): 5 percentage points of
# the target or more better → 1, held or better → 0.5, worse → 0 (the plan's words 显著/有所/无 进步);
# a done-or-not target keeps the assessors' rating. 2025 (no 2024 in the system) is rated by hand.
SL_STEP = {"marked": D(1), "some": D("0.5"), "none": D(0)}
SL_PROGRESS = [
    {"min": D("0.05"), "fraction": D(1)},
    {"min": D(0), "fraction": D("0.5")},
    {"min": None, "fraction": D(0)},
]


def sl_method(leaf_id: str, completion: dict, computed_progress: bool) -> dict:
    if computed_progress and completion["type"] in ("ratio", "inverse_ratio", "bands"):
        progress = {"type": "progress", "of": f"{leaf_id}#completion", "bands": SL_PROGRESS}
    else:
        progress = m_rating(SL_STEP)
    return m_composite(
        ("completion", "0.9", completion),
        ("progress", "0.05", progress),
        ("innovation", "0.05", m_rating(SL_STEP)),
    )


SL_QUALITY = m_bands((1, 1), ("0.9", "0.8"), ("0.8", "0.6"), (0, 0))
#   section kind -> first-level indicators -> annual targets (name, points, completion method, target)
SL_SECTIONS = [
    (
        "s01",
        "办公室",
        "office",
        "陈科长",
        [
            (
                "W01",
                "贯彻落实中央和省委省政府、市委市政府重大决策部署",
                [
                    ("市委市政府督办事项按时办结率（%）", 3, m_ratio(), 100),
                    ("海西建设水利项目对接落实", 3, m_bool(), None),
                    ("政务信息报送（篇）", 2, m_ratio(), 60),
                    ("水利宣传和政务公开", 2, m_bool(), None),
                ],
            )
        ],
    ),
    (
        "s02",
        "规划计划科",
        "planning",
        "林科长",
        [
            (
                "W02",
                "水利固定资产投资",
                [
                    ("水利固定资产投资完成额（万元）", 3, m_ratio(), 48000),
                    ("争取上级水利补助资金（万元）", 3, m_ratio(), 15000),
                    ("“十二五”水利规划中期评估", 2, m_bool(), None),
                    ("水利项目前期工作储备（项）", 2, m_ratio(), 12),
                ],
            )
        ],
    ),
    (
        "s03",
        "建设管理科",
        "construction",
        "黄科长",
        [
            (
                "W03",
                "重点水利工程建设",
                [
                    ("重点水利工程完成投资（万元）", 2, m_ratio(), 12000),
                    ("病险水库除险加固（座）", 2, m_ratio(), 8),
                    ("中小河流治理（公里）", 2, m_ratio(), 25),
                    ("工程质量合格率（%）", 2, SL_QUALITY, 100),
                    ("水利工程生产安全事故（起，≤1）", 2, m_inverse(), 1),
                ],
            )
        ],
    ),
    (
        "s04",
        "水政水资源科",
        "resources",
        "郑科长",
        [
            (
                "W04",
                "水资源管理与保护",
                [
                    ("用水总量控制（万立方米，≤）", 3, m_inverse(), 52000),
                    ("取水许可年审率（%）", 3, m_ratio(), 100),
                    ("饮用水源地水质达标率（%）", 2, SL_QUALITY, 100),
                    ("节水型社会建设", 2, m_bool(), None),
                ],
            ),
            (
                "W05",
                "水行政执法",
                [
                    ("水事违法案件查处率（%）", 4, m_ratio(), 100),
                    ("河道采砂专项整治", 3, m_bool(), None),
                    ("水法规宣传（场次）", 3, m_ratio(), 6),
                ],
            ),
        ],
    ),
    (
        "s05",
        "农村水利科",
        "rural",
        "吴科长",
        [
            (
                "W06",
                "农村饮水安全",
                [
                    ("解决农村饮水不安全人口（万人）", 3, m_ratio(), D("3.2")),
                    ("农村饮水安全工程建成（处）", 3, m_ratio(), 40),
                    ("水质检测合格率（%）", 2, SL_QUALITY, 100),
                    ("工程建后管护制度落实", 2, m_bool(), None),
                ],
            ),
            (
                "W07",
                "小型农田水利建设",
                [
                    ("新增和恢复有效灌溉面积（万亩）", 3, m_ratio(), D("1.5")),
                    ("小农水重点县项目完成投资（万元）", 3, m_ratio(), 3000),
                    ("山塘水库清淤整治（座）", 2, m_ratio(), 30),
                    ("农民用水户协会组建（个）", 2, m_ratio(), 10),
                ],
            ),
        ],
    ),
    (
        "s06",
        "防汛抗旱办公室",
        "flood",
        "李主任",
        [
            (
                "W08",
                "防汛抗旱减灾",
                [
                    ("防汛抗旱预案修订", 3, m_bool(), None),
                    ("山洪灾害防治非工程措施建设（%）", 3, m_ratio(), 100),
                    ("防汛物资储备到位率（%）", 2, m_ratio(), 100),
                    ("因灾死亡人数（人，≤1）", 2, m_inverse(), 1),
                ],
            )
        ],
    ),
    (
        "s07",
        "水土保持科",
        "soil",
        "张科长",
        [
            (
                "W09",
                "水土保持生态建设",
                [
                    ("治理水土流失面积（平方公里）", 3, m_ratio(), 60),
                    ("生产建设项目水保方案审批率（%）", 3, m_ratio(), 100),
                    ("水土保持监督检查（次）", 2, m_ratio(), 12),
                    ("水保设施验收", 2, m_bool(), None),
                ],
            )
        ],
    ),
    (
        "s08",
        "财务审计科",
        "finance",
        "王科长",
        [
            (
                "W10",
                "资金管理与审计",
                [
                    ("水利建设资金到位率（%）", 4, m_ratio(), 100),
                    ("审计发现问题整改率（%）", 3, SL_QUALITY, 100),
                    ("部门预算按时编报", 3, m_bool(), None),
                ],
            )
        ],
    ),
]
SL_FIXED = {  # explicit year of 建设管理科 (s03) and 财务审计科 (s08); progress of ratio targets is computed
    "s03": {
        "W03.1": {"completion": 12600, "innovation": "marked"},
        "W03.2": {"completion": 8, "innovation": "some"},
        "W03.3": {"completion": 20, "innovation": "none"},
        "W03.4": {"completion": 100, "innovation": "marked"},
        "W03.5": {"completion": 0, "innovation": "none"},
    },
    "s08": {
        "W10.1": {"completion": 96, "innovation": "none"},
        "W10.2": {"completion": 92, "innovation": "marked"},
        "W10.3": {"completion": True, "progress": "none", "innovation": "none"},
    },
}
SL_FIXED_2025 = {  # their 2025, which the 2026 progress parts compare with
    "s03": {
        "W03.1": {"completion": 11400, "progress": "some", "innovation": "some"},  # 0.95 → 1.05
        "W03.2": {"completion": 7, "progress": "some", "innovation": "none"},  # 0.875 → 1
        "W03.3": {"completion": 18, "progress": "none", "innovation": "none"},  # 0.72 → 0.8
        "W03.4": {"completion": 95, "progress": "some", "innovation": "some"},  # 0.95 → 1: +0.05, the edge
        "W03.5": {"completion": 1, "progress": "none", "innovation": "none"},  # 1 accident → 0
    },
    "s08": {
        "W10.1": {"completion": 90, "progress": "some", "innovation": "none"},  # 0.90 → 0.96
        "W10.2": {"completion": 92, "progress": "some", "innovation": "some"},  # 0.92 → 0.92: held
        "W10.3": {"completion": True, "progress": "some", "innovation": "none"},
    },
}
SL_KINDS = {
    "democratic_admin": "科学民主行政",
    "lawful_admin": "依法行政",
    "efficient_admin": "高效行政",
    "clean_admin": "廉洁行政",
    "inspection": "察访核验",
}


def shuili(year: int = YEAR) -> dict:
    plan = {
        "id": f"shuili-{year}",
        "name": f"市水利局{year}年度绩效管理工作实施方案（科室考评：业务工作实绩60%＋行政能力建设40%）",
        "year": year,
        "components": [
            {"key": "business", "type": "indicators", "weight": D("0.6")},
            {"key": "capacity", "type": "efficiency", "weight": D("0.4"), "kinds": list(SL_KINDS)},
        ],
        "grade_bands": BUREAU_BANDS,
        "awards": {"eligible_grades": ["excellent"]},
        "veto": {"categories": ["discipline", "work_safety"], "grade": None},
        "groups": {"sections": "局机关科室"},
    }
    computed_progress = year > 2025  # the first year in the system has no previous year to compare with
    if computed_progress:
        plan["previous_plan"] = f"shuili-{year - 1}"
    units, indicators = [], []
    for uid, name, kind, head, groups in SL_SECTIONS:
        units.append({"id": uid, "name": name, "kind": kind, "group": "sections", "parent": "bureau"})
        for gid, gname, targets in groups:
            indicators.append({"id": gid, "name": gname, "parent": None})
            for i, (tname, points, completion, target) in enumerate(targets, 1):
                indicators.append(
                    leaf(
                        f"{gid}.{i}",
                        tname,
                        gid,
                        points,
                        sl_method(f"{gid}.{i}", completion, computed_progress),
                        target,
                        [kind],
                        {"unit": uid, "lead": "局长", "deputy": "分管副局长", "head": head},
                    )
                )
    assert sum(1 for n in indicators if n["parent"] is None) == 10 and len(indicators) - 10 == 39
    y = Year(plan, units, indicators, seed=2603 if year == YEAR else 2503)
    y.fixed(SL_FIXED if year == YEAR else SL_FIXED_2025)
    for u in units:
        if u["id"] not in SL_FIXED:
            y.random_results(u, "Y", skill=y.rng.uniform(0.84, 1.04))
    if year != YEAR:  # last year: a few spot-check findings, no veto
        for u in units:
            for _ in range(y.rng.randint(0, 2)):
                kind = y.rng.choice(list(SL_KINDS))
                y.deduction(
                    u["id"], kind, y.rng.choice([D("0.5"), D(1)]), y.random_day(), f"{SL_KINDS[kind]}抽查发现问题"
                )
        return y.bundle()
    # 行政能力建设 spot checks and 察访核验 (s08: 4.5 counted, and one appeal upheld)
    y.deduction("s08", "efficient_admin", 2, "04-16", "抽查文件档案：3件来文超期办理")
    y.deduction("s08", "clean_admin", D("1.5"), "08-21", "公务接待未按规定审批")
    y.deduction("s08", "inspection", 1, "11-12", "暗访：工作时间离岗")
    y.deduction("s08", "inspection", 2, "06-05", "暗访：窗口人员未佩戴工作牌", revoked=True)
    for u in units:
        if u["id"] in SL_FIXED:
            continue
        for _ in range(y.rng.randint(0, 3)):
            kind = y.rng.choice(list(SL_KINDS))
            y.deduction(
                u["id"], kind, y.rng.choice([D("0.5"), D(1), D(2)]), y.random_day(), f"{SL_KINDS[kind]}抽查发现问题"
            )
    y.veto("s07", "discipline", "10-09", "工作人员违反廉洁纪律受党纪处分")
    return y.bundle()


# =================================================================================================
# 篇四 哈密地区交通运输局 — a prefecture transport bureau: its sections' task tables (业绩 60%, 百分制)
# and 机关效能 (40%, 0.5 point off per unexcused absence), appraised at 3, 6, 9 and 12 months
# =================================================================================================
# Quarters and the half-year are graded (季度考评 and 半年考评 with results published). A quantity
# task's target is its annual quantity (75 / 29.8 / 15.6 km …): a quarter's result is the cumulative
# quantity by the quarter's end, so it scores the share of the year done (the rules have no
# per-period targets). Other tasks are rated against the task table's schedule for the period.

HM_RATING = {"complete": D(1), "mostly": D("0.8"), "partly": D("0.5"), "not_started": D(0)}
R, BL, Q = m_rating(HM_RATING), m_bool(), m_ratio()
#  section: (id, name, kind, responsible, [(task, points, method, annual target)])  — points sum to 100
HM_SECTIONS = [
    (
        "u01",
        "办公室",
        "office",
        {
            "lead": "白建国、阿克然木·玉努斯",
            "deputy": "朱建军、纪家",
            "head": "陈清河",
            "handlers": ["夏国强", "杨炜丽", "加米娜", "艾尼帕", "周容"],
        },
        [
            ("党务政务公开", 10, R, None),
            ("创建学习型党组织", 9, R, None),
            ("绩效管理工作", 9, R, None),
            ("热爱伟大祖国、建设美好家园主题教育活动", 9, R, None),
            ("亲民爱民为民工作", 9, R, None),
            ("交通文化建设", 9, R, None),
            ("信访接待、调查、回复（件）", 9, Q, 40),
            ("扶贫帮困、节假日前慰问", 9, R, None),
            ("综合治理，建设平安单位", 9, BL, None),
            ("精神文明建设", 9, R, None),
            ("文秘、接待、档案整理、后勤管理", 9, R, None),
        ],
    ),
    (
        "u02",
        "公路科",
        "highway",
        {
            "lead": "阿克然木·玉努斯",
            "deputy": "朱建军",
            "head": "塔依尔·玉素甫",
            "handlers": ["祖力", "马磊", "邓长秀", "陈艳玲"],
        },
        [
            ("国省干线公路建设协调服务", 8, R, None),
            ("编制农村公路年度计划", 6, BL, None),
            ("哈密市通村公路前期工作（公里）", 10, Q, 75),
            ("伊吾县通村公路前期工作（公里）", 8, Q, D("29.8")),
            ("巴里坤县通村公路前期工作（公里）", 8, Q, D("15.6")),
            ("小修养护人员培训班", 6, BL, None),
            ("养护大户、门前三包现场观摩会和技能竞赛", 6, R, None),
            ("县乡公路“好路率”评定", 6, R, None),
            ("文明样板路创建（条）", 8, Q, 4),
            ("每季度现场养护指导（次）", 8, Q, 4),
            ("小修养护计划、病害调查和支付台账", 6, R, None),
            ("固定资产投资统计和农村公路专项调查", 6, R, None),
            ("公路养护统计", 6, R, None),
            ("公路建设信息上报（份，每半月一份）", 8, Q, 24),
        ],
    ),
    (
        "u03",
        "路政科",
        "road_admin",
        {"lead": "阿克然木·玉努斯", "deputy": "朱建军", "head": "塔依尔·玉素甫", "handlers": ["马磊", "邓长秀"]},
        [
            ("农村公路路政规章制度落实", 16, R, None),
            ("路政案件处理（件）", 16, Q, 30),
            ("路政内业管理规范", 14, R, None),
            ("路政执法人员信息普查", 12, BL, None),
            ("路政执法证件年审", 12, BL, None),
            ("两县一市路产路权维护督导检查（次）", 16, Q, 4),
            ("路政宣传和信息上报", 14, R, None),
        ],
    ),
    (
        "u04",
        "项目办",
        "projects",
        {
            "lead": "阿克然木·玉努斯",
            "deputy": "朱建军",
            "head": "祖力菲卡尔·米吉提",
            "handlers": ["王新平", "陈艳玲", "殷磊", "朱磊"],
        },
        [
            ("Z504线改造开工和东天山隧道前期工作", 8, R, None),
            ("国道G312线—西山乡公路（公里）", 10, Q, D("55.5")),
            ("博尔羌吉镇至大红柳峡乡公路（公里）", 10, Q, D("90.9")),
            ("伊吾县至苇子峡公路（公里）", 10, Q, D("30.3")),
            ("伊吾—G7连接线公路建设相关工作", 6, R, None),
            ("贫困村村级公路（个）", 8, Q, 10),
            ("农村公路黑色化整乡推进（公里）", 12, Q, 120),
            ("签定工程质量目标责任书", 6, BL, None),
            ("督促施工单位安全生产", 6, R, None),
            ("合同管理及工程变更", 5, R, None),
            ("计量支付审查和工程进度月报（份）", 5, Q, 12),
            ("公路建设信息上报（份）", 4, Q, 24),
            ("配合清欠农民工工资", 5, BL, None),
            ("农村公路建设工程环境保护", 5, R, None),
        ],
    ),
    (
        "u05",
        "安运科",
        "transport_safety",
        {"lead": "阿克然木·玉努斯、白建国", "deputy": "纪家", "head": "张志强", "handlers": ["张志强", "郭静"]},
        [
            ("安全生产目标管理责任制", 10, R, None),
            ("冬季百日安全生产整治和隐患排查", 10, R, None),
            ("安全生产宣传教育", 8, R, None),
            ("节假日及重大活动期间安全生产", 10, R, None),
            ("信息报送", 8, R, None),
            ("客货运管理", 10, R, None),
            ("治理超载超限", 10, R, None),
            ("成立道路运输协会", 8, BL, None),
            ("极端天气下安全运输", 8, R, None),
            ("公路运输货运量分析报告", 8, BL, None),
            ("运管部门监管和客运站场安全检查（次）", 10, Q, 12),
        ],
    ),
    (
        "u06",
        "监察室",
        "supervision",
        {"lead": "白建国、阿克然木·玉努斯", "deputy": "朱建军、纪家", "head": "张彩珍", "handlers": ["张彩珍"]},
        [
            ("党风廉政建设", 25, R, None),
            ("纠风工作", 20, R, None),
            ("行业文明建设", 20, R, None),
            ("基层组织建设", 20, R, None),
            ("督察工作", 15, BL, None),
        ],
    ),
    (
        "u07",
        "财务室",
        "finance",
        {"lead": "阿克然木·玉努斯", "deputy": "朱建军", "head": "刘敏", "handlers": ["武清萍", "吕锦秀"]},
        [
            ("现金、银行日记账和对账", 10, R, None),
            ("报账、结账", 9, R, None),
            ("劳动工资快报和年报（份）", 9, Q, 6),
            ("单位证件年检", 9, BL, None),
            ("固定资产明细账和卡片", 9, R, None),
            ("下一年度经费预算", 9, BL, None),
            ("财务各类报表", 9, R, None),
            ("小修养护专项资金申请和下拨", 9, R, None),
            ("农村公路建设工程款支付", 10, R, None),
            ("竣工财务决算和建设资金审计", 9, BL, None),
            ("农民工工资管理", 8, R, None),
        ],
    ),
    (
        "u08",
        "交战办",
        "war_readiness",
        {"lead": "阿克然木·玉努斯", "deputy": "朱建军", "head": "巴哈尔古丽", "handlers": ["巴哈尔古丽"]},
        [
            ("交通战备现代化建设", 20, R, None),
            ("民用运力潜力调查", 15, BL, None),
            ("各类应急预案修订", 20, BL, None),
            ("国防交通专业保障队伍", 15, R, None),
            ("交通战备数据库资料输入（条）", 15, Q, 500),
            ("国防教育培训（人次）", 15, Q, 200),
        ],
    ),
]
HM_PERIODS = {"Q1": 0.25, "Q2": 0.5, "H1": 0.5, "Q3": 0.75, "Q4": 1.0, "Y": 1.0}  # share of the year's quantity
HM_FIXED = {  # explicit 监察室 (u06) and 交战办 (u08), for Q1 and the year
    "Q1": {
        "u06": {"T06.1": "mostly", "T06.2": "complete", "T06.3": "partly", "T06.4": "complete", "T06.5": False},
        "u08": {"T08.1": "partly", "T08.2": False, "T08.3": True, "T08.4": "partly", "T08.5": 120, "T08.6": 40},
    },
    "Y": {
        "u06": {"T06.1": "complete", "T06.2": "mostly", "T06.3": "complete", "T06.4": "complete", "T06.5": True},
        "u08": {"T08.1": "complete", "T08.2": True, "T08.3": True, "T08.4": "mostly", "T08.5": 450, "T08.6": 230},
    },
}
HM_KINDS = {
    "absent_labour": "无故不参加单位组织的劳动",
    "absent_activity": "无故不参加单位组织的文体活动",
    "absent_study": "无故不参加政治理论、业务学习",
}


def hami() -> dict:
    plan = {
        "id": "hami-jiaotong-2026",
        "name": "哈密地区交通运输局2026年度绩效管理实施方案（业绩60%＋机关效能40%，季度、半年、年终考评）",
        "year": YEAR,
        "components": [
            {"key": "performance", "type": "indicators", "weight": D("0.6")},
            {"key": "efficiency", "type": "efficiency", "weight": D("0.4"), "kinds": list(HM_KINDS)},
        ],
        "grade_bands": BUREAU_BANDS,
        "awards": {"eligible_grades": ["excellent"]},
        # 一票否决 in work safety or integrity: the section cannot be 优秀 that period
        "veto": {"categories": ["work_safety", "integrity"], "grade": "pass"},
        "graded_periods": ["Q1", "Q2", "Q3", "Q4", "H1", "Y"],
        "groups": {"sections": "局机关科室"},
    }
    units, indicators = [], []
    for uid, name, kind, people, tasks in HM_SECTIONS:
        assert sum(points for _, points, _, _ in tasks) == 100, name  # 各科室任务分解采取百分制
        units.append({"id": uid, "name": name, "kind": kind, "group": "sections", "parent": "bureau"})
        gid = f"T{uid[1:]}"
        indicators.append({"id": gid, "name": f"{name}重点工作", "parent": None})
        for i, (task, points, method, target) in enumerate(tasks, 1):
            indicators.append(leaf(f"{gid}.{i}", task, gid, points, method, target, [kind], {"unit": uid, **people}))
    y = Year(plan, units, indicators, seed=2604)
    skills = {u["id"]: y.rng.uniform(0.86, 1.04) for u in units}
    for period, share in HM_PERIODS.items():
        y.fixed(HM_FIXED.get(period, {}), period)
        for u in units:
            if u["id"] in HM_FIXED["Y"]:
                if period not in HM_FIXED:  # the fixed sections' other periods: random too
                    y.random_results(u, period, skills[u["id"]], share)
                continue
            y.random_results(u, period, skills[u["id"]], share)
    # 机关效能: 0.5 point per unexcused absence, dated, so each quarter counts its own
    for day, kind in (("02-12", "absent_study"), ("04-20", "absent_labour"), ("10-09", "absent_activity")):
        y.deduction("u06", kind, D("0.5"), day, HM_KINDS[kind])
    for u in units:
        if u["id"] in HM_FIXED["Y"]:
            continue
        for _ in range(y.rng.randint(0, 5)):
            kind = y.rng.choice(list(HM_KINDS))
            y.deduction(u["id"], kind, D("0.5"), y.random_day(), HM_KINDS[kind])
    y.veto("u08", "work_safety", "08-15", "国防交通保障演练中发生车辆安全责任事故")
    return y.bundle()


# =================================================================================================
# 篇五 屏边县国土局 — a county land bureau: 20 major projects and 20 important tasks split among its
# 股室 and affiliated units
# =================================================================================================
# The plan names the two key items (新华乡戈几街村 and 新现乡底咪村 land consolidation), quarterly
# reports, half-year and year summaries, and performance audit, inspection and evaluation; it states
# no weights or bands. This example follows the county bureau pattern: business 60% (projects and
# tasks) + 机关效能 40% (late reports, audit and inspection findings), bands of 篇四.
# 评价财政资金的效率 (the plan's year-end step): the consolidation centre's project funds are a
# budget_execution task, scored by the share of the year's budget paid out (min(spent/budget, 1)).

PB_SCHEDULE = {"on_schedule": D(1), "slightly_behind": D("0.7"), "seriously_behind": D("0.3")}


def pb_project() -> dict:
    return m_composite(
        ("investment", "0.5", m_ratio()), ("schedule", "0.3", m_rating(PB_SCHEDULE)), ("acceptance", "0.2", m_bool())
    )


PB_RATING = {"good": D(1), "fair": D("0.7"), "poor": D("0.3")}
#   (id, name, kind, group)
PB_UNITS = [
    ("p01", "办公室", "office", "sections"),
    ("p02", "地籍管理股", "cadastre", "sections"),
    ("p03", "耕地保护股", "farmland", "sections"),
    ("p04", "规划利用股", "planning", "sections"),
    ("p05", "矿产资源管理股", "minerals", "sections"),
    ("p06", "国土资源执法监察大队", "enforcement", "affiliates"),
    ("p07", "土地开发整理中心", "consolidation", "affiliates"),
    ("p08", "地质环境监测站", "geology", "affiliates"),
]
#  20 重大项目: (name, points, unit kind, planned investment in 万元)
PB_PROJECTS = [
    ("新华乡戈几街村土地整治项目", 15, "consolidation", 1200),
    ("新现乡底咪村土地整治项目", 15, "consolidation", 980),
    ("白河乡高标准基本农田建设项目", 10, "consolidation", 1500),
    ("和平乡土地开发项目", 10, "consolidation", 600),
    ("湾塘乡土地整治项目", 8, "farmland", 850),
    ("玉屏镇城乡建设用地增减挂钩项目", 10, "planning", 2200),
    ("新华乡坡改梯项目", 8, "farmland", 700),
    ("白云乡基本农田整理项目", 8, "farmland", 900),
    ("县城新区土地收储项目", 10, "planning", 5000),
    ("工业园区用地报批和征地项目", 10, "planning", 3000),
    ("农村集体土地确权登记发证项目", 10, "cadastre", 450),
    ("第二次土地调查成果更新项目", 8, "cadastre", 260),
    ("城镇地籍调查项目", 8, "cadastre", 300),
    ("矿产资源规划编制项目", 6, "minerals", 120),
    ("矿山地质环境恢复治理项目", 8, "minerals", 650),
    ("滑坡地质灾害治理项目", 10, "geology", 1100),
    ("地质灾害群测群防体系建设项目", 6, "geology", 180),
    ("国土资源信息化建设项目", 6, "office", 240),
    ("国土资源执法监察动态巡查项目", 6, "enforcement", 90),
    ("卫片执法检查项目", 8, "enforcement", 150),
]
#  20 重要工作: (name, points, unit kind, method, target)
PB_TASKS = [
    ("农村集体土地确权登记发证（宗）", 10, "cadastre", m_ratio(), 3000),
    ("城镇地籍调查成果入库", 10, "cadastre", m_bool(), None),
    ("土地登记信访按期办结率（%）", 5, "cadastre", m_ratio(), 100),
    ("土地登记资料归档", 5, "cadastre", m_manual(), None),
    ("耕地保有量（万亩）", 10, "farmland", m_ratio(), D("38.6")),
    ("基本农田保护责任书签订", 6, "farmland", m_bool(), None),
    ("建设用地报批按时完成率（%）", 8, "planning", m_ratio(), 100),
    ("土地出让收入（万元）", 8, "planning", m_ratio(), 20000),
    ("采矿权出让和年检", 8, "minerals", m_rating(PB_RATING), None),
    ("违法用地案件立案查处率（%）", 10, "enforcement", m_ratio(), 100),
    ("新增违法用地面积（亩，≤）", 10, "enforcement", m_inverse(), 30),
    ("地质灾害隐患点巡查（次）", 8, "geology", m_ratio(), 48),
    ("汛期地质灾害应急值守", 6, "geology", m_bool(), None),
    ("效能政府四项制度落实", 8, "office", m_rating(PB_RATING), None),
    ("行政绩效管理季报告、半年和年度总结", 6, "office", m_manual(), None),
    ("国土资源宣传（“4·22”“6·25”）", 4, "office", m_bool(), None),
    ("财政资金使用绩效自评", 6, "office", m_rating(PB_RATING), None),
    ("土地整治项目竣工验收资料", 6, "consolidation", m_bool(), None),
    ("项目资金执行率（财政资金效率：已拨付÷年度预算，万元）", 6, "consolidation", {"type": "budget_execution"}, None),
    ("地质环境监测数据报送", 6, "geology", m_manual(), None),
]
PB_FIXED = {  # explicit 地籍管理股 (p02) and 土地开发整理中心 (p07)
    "p07": {
        "P1.01": {"investment": 1200, "schedule": "on_schedule", "acceptance": True},
        "P1.02": {"investment": 882, "schedule": "slightly_behind", "acceptance": False},
        "P1.03": {"investment": 1650, "schedule": "on_schedule", "acceptance": True},
        "P1.04": {"investment": 480, "schedule": "seriously_behind"},  # acceptance: no result
        "P2.18": True,
        "P2.19": ("budget", 4280, 3852),  # 4 projects' 2026 budget 1200 + 980 + 1500 + 600, 3852 paid out
    },
    "p02": {
        "P1.11": {"investment": 450, "schedule": "on_schedule", "acceptance": True},
        "P1.12": {"investment": 234, "schedule": "on_schedule", "acceptance": True},
        "P1.13": {"investment": 300, "schedule": "slightly_behind", "acceptance": True},
        "P2.01": 3150,
        "P2.02": True,
        "P2.03": 90,
        "P2.04": ("points", 4),
    },
}
PB_KINDS = {
    "late_report": "季报告、总结逾期报送",
    "audit_finding": "行政绩效审计发现问题",
    "inspection_finding": "稽查发现问题",
}


def pingbian() -> dict:
    plan = {
        "id": "pingbian-guotu-2026",
        "name": "屏边县国土资源局2026年度行政绩效管理实施方案（重大项目和重要工作60%＋机关效能40%）",
        "year": YEAR,
        "components": [
            {"key": "business", "type": "indicators", "weight": D("0.6")},
            {"key": "efficiency", "type": "efficiency", "weight": D("0.4"), "kinds": list(PB_KINDS)},
        ],
        "grade_bands": BUREAU_BANDS,
        "awards": {"eligible_grades": ["excellent"]},
        "veto": {"categories": ["illegal_land_use", "work_safety"], "grade": None},
        "groups": {"sections": "局机关股室", "affiliates": "局属单位"},
    }
    units = [{"id": uid, "name": n, "kind": k, "group": g, "parent": "bureau"} for uid, n, k, g in PB_UNITS]
    owner = {k: uid for uid, _, k, _ in PB_UNITS}
    indicators = [{"id": "P1", "name": "重大项目", "parent": None}, {"id": "P2", "name": "重要工作", "parent": None}]
    for i, (name, points, kind, invest) in enumerate(PB_PROJECTS, 1):
        indicators.append(
            leaf(
                f"P1.{i:02d}",
                name,
                "P1",
                points,
                pb_project(),
                invest,
                [kind],
                {"unit": owner[kind], "lead": "局长", "deputy": "分管副局长"},
            )
        )
    for i, (name, points, kind, method, target) in enumerate(PB_TASKS, 1):
        indicators.append(
            leaf(
                f"P2.{i:02d}",
                name,
                "P2",
                points,
                method,
                target,
                [kind],
                {"unit": owner[kind], "lead": "局长", "deputy": "分管副局长"},
            )
        )
    y = Year(plan, units, indicators, seed=2605)
    y.fixed(PB_FIXED)
    # a correction of 底咪村's investment not yet confirmed: it does not count
    y.result("p07", "P1.02", "Y", 950, "investment", confirmed=False)
    for u in units:
        if u["id"] not in PB_FIXED:
            y.random_results(u, "Y", skill=y.rng.uniform(0.84, 1.04))
    y.deduction("p07", "late_report", 1, "04-08", "一季度行政绩效管理推行情况逾期报送")
    y.deduction("p07", "audit_finding", 2, "09-15", "绩效审计：项目资金拨付滞后")
    y.deduction("p07", "inspection_finding", 3, "07-02", "稽查：工程量签证不全（申诉成立，撤销）", revoked=True)
    for u in units:
        if u["id"] in PB_FIXED:
            continue
        for _ in range(y.rng.randint(0, 3)):
            kind = y.rng.choice(list(PB_KINDS))
            y.deduction(u["id"], kind, y.rng.choice([D("0.5"), D(1), D(2)]), y.random_day(), PB_KINDS[kind])
    y.veto("p06", "illegal_land_use", "11-20", "辖区发生重大违法占地未及时发现制止，县政府书面通报")
    return y.bundle()


# =================================================================================================

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

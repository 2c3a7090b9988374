"""篇二 杨河乡 — a rural township: 量化评估 (indicators) + 社会评估 (survey).

The plan names the two parts but no weights, bands, rounds or deductions; it follows the county's
实施意见 (峨边府函8号), so this example takes the county pattern of 篇一: 量化评估 80% + 社会评估 20%,
察访核验 deductions capped at 3, bands 优/良/一般/差, two evaluation rounds, the county's veto list.
"""

from __future__ import annotations

from decimal import Decimal as D

from .common import ANSWERS, TOWNSHIP_BANDS, YEAR, leaf, m_bands, m_bool, m_inverse, m_manual, m_rating, m_ratio
from .year import Year

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

"""篇五 屏边县国土局 — a county land bureau: 20 major projects and 20 important tasks split among its
股室 and affiliated units.

The plan names the two key items (新华乡戈几街村 and 新现乡底咪村 land consolidation), quarterly
reports, half-year and year summaries, and performance audit, inspection and evaluation; it states
no weights or bands. This example follows the county bureau pattern: business 60% (projects and
tasks) + 机关效能 40% (late reports, audit and inspection findings), bands of 篇四.
评价财政资金的效率 (the plan's year-end step): the consolidation centre's project funds are a
budget_execution task, scored by the share of the year's budget paid out (min(spent/budget, 1)).
"""

from __future__ import annotations

from decimal import Decimal as D

from .common import BUREAU_BANDS, YEAR, leaf, m_bool, m_composite, m_inverse, m_manual, m_rating, m_ratio
from .year import Year

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

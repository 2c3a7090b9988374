"""篇三 水利局 — a county water bureau: its sections (科室) on 10 first-level indicators and 39 annual
targets (业务工作实绩 60%) and 行政能力建设 (40%).

业务工作实绩: each target counts 指标完成情况 90% + 绩效进步状况 5% + 绩效创新状况 5% (a composite).
行政能力建设 (科学民主行政, 依法行政, 高效行政, 廉洁行政) is assessed by spot checks of files: here an
`efficiency` component, 100 minus the points of the spot checks' and 察访核验's findings.
The plan states no grade bands: the bureau scale of 篇四 is used. 公众评议 (600 samples, July and
December) rates the bureau as a whole for the city, not its sections: not part of this section
appraisal (the rules have one survey per plan, scored per unit).

绩效进步 (progress) from 2026: a target with a completion ratio compares it with the section's
confirmed 2025 result (plan shuili-2025, examples/shuili-2025.bundle.json): 5 percentage points of
the target or more better → 1, held or better → 0.5, worse → 0 (the plan's words 显著/有所/无 进步);
a done-or-not target keeps the assessors' rating. 2025 (no 2024 in the system) is rated by hand.
"""

from __future__ import annotations

from decimal import Decimal as D

from .common import BUREAU_BANDS, YEAR, leaf, m_bands, m_bool, m_composite, m_inverse, m_rating, m_ratio
from .year import Year

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

"""篇四 哈密地区交通运输局 — a prefecture transport bureau: its sections' task tables (业绩 60%, 百分制)
and 机关效能 (40%, 0.5 point off per unexcused absence), appraised at 3, 6, 9 and 12 months.

Quarters and the half-year are graded (季度考评 and 半年考评 with results published). A quantity
task's target is its annual quantity (75 / 29.8 / 15.6 km …): a quarter's result is the cumulative
quantity by the quarter's end, so it scores the share of the year done (the rules have no
per-period targets). Other tasks are rated against the task table's schedule for the period.
"""

from __future__ import annotations

from decimal import Decimal as D

from .common import BUREAU_BANDS, YEAR, leaf, m_bool, m_rating, m_ratio
from .year import Year

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

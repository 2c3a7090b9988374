"""The message catalogue of every page, label and number format: zh-CN by default, English on request.

One place for the words people read (pages, notice, lists, xlsx, the annual report), so a page never
mixes languages and a translation is a dictionary entry, not a hunt through f-strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

LANGS = ("zh-CN", "en")
DEFAULT = "zh-CN"

# key: (zh-CN, en)
_CATALOGUE: dict[str, tuple[str, str]] = {
    "site": ("绩效考评看板", "Performance dashboard"),
    "all_plans": ("全部方案", "All plans"),
    "no_data": ("暂无数据", "No data yet"),
    "ranking_title": ("{plan} · {period} 绩效考评排名", "{plan} · {period} performance ranking"),
    "card_title": ("{unit} · {period} 绩效考评成绩单", "{unit} · {period} score card"),
    "notice_title": ("{plan} · {period} 绩效考评结果公示", "{plan} · {period} public notice of results"),
    "commendation_title": ("{plan} · {period} 通报表彰名单", "{plan} · {period} commendation list"),
    "criticism_title": ("{plan} · {period} 通报批评名单", "{plan} · {period} criticism list"),
    "report_title": ("{plan} 绩效评估工作报告（{period}）", "{plan} annual evaluation report ({period})"),
    "provisional": (
        "暂定成绩：尚未定级，名次按当前总分计算",
        "Provisional: not graded yet; ranks follow the current totals",
    ),
    "graded": ("定级快照 第{version}版，定级时间 {at}", "Graded snapshot version {version}, graded {at}"),
    "closed_by": ("，定级人 {who}", ", closed by {who}"),
    "rank": ("名次", "Rank"),
    "unit": ("单位", "Unit"),
    "group": ("分组", "Group"),
    "total": ("总分", "Total"),
    "grade": ("等级", "Grade"),
    "status": ("状态", "Status"),
    "units_count": ("{n} 个单位", "{n} units"),
    "ungrouped": ("（未分组）", "(no group)"),
    "ungraded": ("未定级", "Not graded"),
    "veto": ("一票否决", "One-vote veto"),
    "award": ("可评先", "Award-eligible"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "deduction": ("扣分", "deduction"),
    "deduction_col": ("{name}（扣分）", "{name} (deduction)"),
    "grade_distribution": ("等级分布", "Grade distribution"),
    "component_averages": ("各项平均得分", "Average score per component"),
    "movers": ("与上一版快照相比变化最大的单位", "Units that moved most since the previous snapshot"),
    "movers_none": ("没有更早的定级快照可比较。", "There is no earlier graded snapshot to compare with."),
    "movers_same": ("与第{version}版相比没有单位的总分变化。", "No total changed since version {version}."),
    "change": ("变化", "Change"),
    "before": ("上一版总分", "Previous total"),
    "links": ("相关链接", "Links"),
    "notice": ("结果公示", "Public notice"),
    "notice_v": ("第{version}版公示", "Notice of version {version}"),
    "commendation": ("通报表彰名单", "Commendation list"),
    "criticism": ("通报批评名单", "Criticism list"),
    "xlsx": ("排名 Excel", "Ranking (Excel)"),
    "annual_report": ("年度报告（网页）", "Annual report (web page)"),
    "annual_report_pdf": ("年度报告 PDF", "Annual report (PDF)"),
    "annual_report_md": ("年度报告（Markdown）", "Annual report (Markdown)"),
    "json": ("数据（JSON）", "Data (JSON)"),
    "back": ("返回排名", "Back to the ranking"),
    "language": ("English", "中文"),
    "print": ("打印", "Print"),
    "times_in": ("时间均为{zone}时间", "Times are {zone} time"),
    "component": ("项目", "Component"),
    "score": ("得分", "Score"),
    "weight": ("权重", "Weight"),
    "contribution": ("计入总分", "Counts toward total"),
    "survey_se": ("公众评议得分的抽样误差（标准误）", "Sampling error of the survey score (standard error)"),
    "survey_se_help": (
        "抽样调查得分可能因抽到的受访者不同而上下浮动的幅度；越小越可靠。",
        "How much the survey score could move with a different sample of respondents; smaller is more reliable.",
    ),
    "rank_in_group": ("组内名次", "Rank in group"),
    "missing": ("缺少的输入", "Missing inputs"),
    "missing_none": ("无", "None"),
    "missing_indicator": (
        "指标 {what} 没有已确认的结果：请被考核单位录入并由考评小组确认。",
        "Indicator {what} has no confirmed result: the unit enters it and the assessors confirm it.",
    ),
    "missing_component": (
        "{what} 缺少数据：此项不计分，单位状态为未完成；请补齐数据后重新定级。",
        "{what} has no data: the unit is incomplete until it is supplied and the period is graded again.",
    ),
    "status_final": ("已定级", "final"),
    "status_incomplete": ("未完成", "incomplete"),
    "status_provisional": ("暂定", "provisional"),
    "sum_steps": ("总分的计算过程", "How the total adds up"),
    "trend": ("季度暂定成绩走势", "Quarterly trend of provisional scores"),
    "trend_none": ("还没有季度成绩。", "No quarterly scores yet."),
    "explanation": ("得分明细", "Where the points came from"),
    "external": ("外部提供的得分", "score supplied from outside"),
    "explanation_off": (
        "评分服务未连接，无法显示逐项明细。",
        "The scoring service is not connected; item details are not shown.",
    ),
    "notice_hash": ("快照校验码（SHA-256）", "Snapshot checksum (SHA-256)"),
    "notice_hash_help": (
        "由本系统对该版定级结果逐行按规范 JSON 计算；任何改动都会改变校验码。",
        "Computed by this system over the graded rows of this version as canonical JSON; any change alters it.",
    ),
    "notice_hash_help_scoring": (
        "评分服务定级时对该版结果文档（jixiao.results/v1，规范 JSON）计算的校验码，与评分服务快照的 snapshot_sha256 相同，"
        "可据此核对；任何改动都会改变校验码。",
        "Computed by the scoring service when it graded this version, over its results document (jixiao.results/v1, "
        "canonical JSON): the same as the snapshot_sha256 of scoring's snapshot, to compare; any change alters it.",
    ),
    "notice_period": ("公示期", "Notice period"),
    "notice_period_text": ("自 {start} 起 {days} 个工作日，至 {end} 止", "{days} working days from {start} to {end}"),
    "notice_open": (
        "公示期内，可对单位的考评结果提出异议。",
        "The notice period is open: objections to a unit's result may be filed.",
    ),
    "notice_closed": ("公示期已于 {end} 结束。", "The notice period ended on {end}."),
    "objections": ("异议", "Objections"),
    "objections_before": (
        "此前版本收到的异议（本版是其后的更正）",
        "Objections to earlier versions (this version corrected them)",
    ),
    "objections_count": (
        "收到异议 {filed} 件，已答复 {answered} 件",
        "{filed} objection(s) filed, {answered} answered",
    ),
    "objection_file": ("提出异议", "File an objection"),
    "objection_text": ("异议内容", "Objection"),
    "objection_answer": ("答复", "Answer"),
    "objection_submit": ("提交", "Submit"),
    "objection_by": ("{who} 于 {at} 提出", "filed by {who} at {at}"),
    "answered_by": ("{who} 于 {at} 答复", "answered by {who} at {at}"),
    "not_answered": ("待答复", "awaiting an answer"),
    "award_list": ("表彰名单", "Award list"),
    "criticism_list": ("批评名单", "Criticism list"),
    "reward_level": ("奖励档次", "Reward level"),
    "none": ("无。", "None."),
    "veto_category": ("否决事项", "Veto category"),
    "other_versions": ("其他版本：", "Other versions: "),
    "report_summary": ("一、总体情况", "1. Summary"),
    "report_summary_text": (
        "本期共考评 {units} 个单位，定级 {graded} 个；一票否决 {vetoed} 个；具备评先资格 {eligible} 个。",
        "{units} units were assessed, {graded} graded; {vetoed} vetoed; {eligible} award-eligible.",
    ),
    "report_distribution": ("二、等级分布", "2. Grade distribution"),
    "report_rankings": ("三、分组排名", "3. Rankings by group"),
    "report_vetoes": ("四、一票否决", "4. One-vote vetoes"),
    "report_lists": ("五、表彰与批评", "5. Commendation and criticism"),
    "report_improve": (
        "六、改进方向：全县最薄弱的三个方面",
        "6. Improvement points: the three weakest components county-wide",
    ),
    "report_improve_item": ("{name}：平均得分 {avg}（{n} 个单位）", "{name}: average {avg} ({n} units)"),
    "report_hash": ("七、公示校验", "7. Notice checksum"),
    "generated_at": ("生成时间 {at}", "Generated {at}"),
    "unit_count": ("单位数", "Units"),
    "average": ("平均", "Average"),
    "bar_value": ("{label}：{value}", "{label}: {value}"),
    "sheet_ranking": ("排名", "Ranking"),
    "sheet_commendation": ("通报表彰", "Commendation"),
    "sheet_criticism": ("通报批评", "Criticism"),
    "name": ("名称", "Name"),
    "unit_id": ("编号", "ID"),
    "col_indicator": ("指标", "Indicator"),
    "col_method": ("计分方法", "Method"),
    "col_input_target_actual": ("输入（目标、实际）", "Input (target, actual)"),
    "col_fraction": ("得分率", "Fraction"),
    "col_points_earned_possible": ("得分 / 满分", "Points earned / possible"),
    "col_round": ("轮次", "Round"),
    "col_respondent_group": ("受访群体", "Respondent group"),
    "col_responses": ("有效样本", "Responses"),
    "col_mean": ("平均分", "Mean"),
    "col_round_score": ("本轮得分", "Round score"),
    "col_date": ("日期", "Date"),
    "col_record": ("记录", "Record"),
    "col_kind": ("类别", "Kind"),
    "col_counted": ("计入", "Counted"),
    "col_cap": ("上限", "cap"),
    "rescored_after": ("根据异议重新评分", "Re-scored after objections"),
    "rescored_after_text": (
        "本版（第{version}版）定级结果系根据以下异议复核后重新评分：",
        "This version ({version}) was re-scored after reviewing these objections:",
    ),
    "objection_ref": ("异议 {id}", "objection {id}"),
    "rescored_in": (
        "已根据此异议重新评分，见第{version}版公示",
        "re-scored after this objection: see version {version}",
    ),
    "commendation_persons": ("表彰人员", "Persons commended"),
    "commendation_persons_help": (
        "受表彰单位中具备评优资格的干部职工。",
        "The staff of the commended units who are eligible for excellence.",
    ),
    "criticism_persons": ("相关人员", "Persons concerned"),
    "criticism_persons_help": (
        "被通报批评单位中失去评优资格的干部职工及原因（视情况，由考评办决定）。",
        "The staff of the criticized units who lost eligibility for excellence, with the reasons "
        "(as the case may be: the office decides).",
    ),
    "person": ("姓名", "Name"),
    "position": ("职务", "Position"),
    "reasons": ("原因", "Reasons"),
    "col_confirmed": ("确认人 · 确认时间", "Confirmed by · at"),
    "col_aspect": ("方面", "Aspect"),
    "col_inspection": ("察访记录", "Inspection"),
    "col_appeal": ("申诉 · 结果", "Appeal · outcome"),
    "appeal_open": ("申诉处理中", "appeal pending"),
    "appeal_rejected": ("申诉不成立，维持扣分", "appeal rejected, deduction kept"),
    "appeal_granted": ("申诉成立，撤销扣分", "appeal upheld, deduction revoked"),
}

# Display names of the seed plans' component keys and veto categories (a plan's own keys are shown as they are).
_COMPONENTS: dict[str, tuple[str, str]] = {
    "indicators": ("指标考核", "Indicators"),
    "survey": ("公众评议", "Public survey"),
    "inspection": ("察访核验", "Inspections"),
    "efficiency": ("机关效能", "Administrative efficiency"),
    "discipline": ("纪律扣分", "Discipline"),
}
_VETO_CATEGORIES: dict[str, tuple[str, str]] = {
    "family_planning": ("计生", "family planning"),
    "public_order": ("综治", "public order"),
    "work_safety": ("安全生产", "work safety"),
    "environment": ("环境治理", "environment"),
    "rural_medical": ("新农合", "rural cooperative medical care"),
    "rural_pension": ("新农保", "rural pension"),
    "criticism": ("县级通报批评", "county criticism"),
}
# Grade codes of the seed plans in English (the Chinese labels come from the plan).
_GRADES_EN = {"excellent": "Excellent", "good": "Good", "fair": "Fair", "poor": "Poor", "pass": "Pass", "fail": "Fail"}
_METHODS: dict[str, tuple[str, str]] = {
    "ratio": ("完成比例（越高越好）", "ratio (higher is better)"),
    "inverse_ratio": ("反向比例（越低越好）", "inverse ratio (lower is better)"),
    "bands": ("分档计分", "bands"),
    "rating": ("评级", "rating"),
    "boolean": ("是否完成", "done or not"),
    "manual": ("考评组打分", "points given by the assessors"),
    "composite": ("复合指标", "composite"),
    "progress": ("绩效进步（与上年比）", "progress over last year"),
    "budget_execution": ("财政资金执行率", "budget execution (spent / budget)"),
}
# The seed plans' survey strata and rounds, and scoring's deduction statuses, in plain words.
_TERMS: dict[str, tuple[str, str]] = {
    "npc_deputy": ("人大代表", "people's congress deputies"),
    "business": ("企业经营者", "business operators"),
    "urban_resident": ("城镇居民", "urban residents"),
    "rural_resident": ("农村居民", "rural residents"),
    "mid": ("年中", "mid-year"),
    "final": ("年终", "year-end"),
    "counted": ("计入", "counted"),
    "revoked": ("已撤销（申诉成立等）", "revoked (e.g. appeal upheld)"),
    "capped": ("超出扣分上限，不再计入", "over the cap, not counted"),
    "outside_period": ("不在本考评期", "outside the period"),
    "inspection": ("察访核验", "inspection"),
    "discipline": ("纪律", "discipline"),
}
_ZONES = {"Asia/Shanghai": ("北京", "Beijing")}
_PERIODS = {
    "Y": ("年度", "Year"),
    "H1": ("上半年", "First half"),
    "Q1": ("第一季度", "Q1"),
    "Q2": ("第二季度", "Q2"),
    "Q3": ("第三季度", "Q3"),
    "Q4": ("第四季度", "Q4"),
}


@dataclass(frozen=True)
class Messages:
    """The words and number formats of one language."""

    lang: str

    @property
    def en(self) -> bool:
        return self.lang == "en"

    def __call__(self, key: str, **values) -> str:
        zh, en = _CATALOGUE[key]
        return (en if self.en else zh).format(**values)

    def component(self, key: str) -> str:
        names = _COMPONENTS.get(key)
        return (names[1] if self.en else names[0]) if names else key

    def veto_category(self, code: str) -> str:
        names = _VETO_CATEGORIES.get(code)
        return (names[1] if self.en else names[0]) if names else code

    def grade(self, code: str | None, label: str) -> str:
        """The plan's (Chinese) label; in English the seed codes' English name with the label beside it."""
        if not code:
            return ""
        if self.en:
            name = _GRADES_EN.get(code, code)
            return f"{name} ({label})" if label and label != name else name
        return label or code

    def term(self, code: str) -> str:
        """A survey stratum or round, a deduction kind or status of the seed plans, else the code."""
        names = _TERMS.get(code)
        return (names[1] if self.en else names[0]) if names else code

    def method(self, code: str) -> str:
        names = _METHODS.get(code)
        return (names[1] if self.en else names[0]) if names else code

    def period(self, code: str) -> str:
        names = _PERIODS.get(code)
        return (names[1] if self.en else names[0]) if names else code

    def status(self, status: str) -> str:
        key = f"status_{status}"
        return self(key) if key in _CATALOGUE else status

    def number(self, value: Decimal | None, places: int = 2) -> str:
        """Two decimals, thousands separated in English only (Chinese tables do not group)."""
        if value is None:
            return "—"
        value = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)  # scoring.md: half-up for display
        return f"{value:,.{places}f}" if self.en else f"{value:.{places}f}"

    def signed(self, value: Decimal) -> str:
        """+1.00 / −1.00 (a true minus sign, as the deductions show)."""
        return ("+" if value > 0 else "−" if value < 0 else "") + self.number(abs(value))

    def deduction(self, points: Decimal | None) -> str:
        """A deduction shown as what it is: a negative number, never a positive 得分."""
        if points is None:
            return "—"
        return "0.00" if points == 0 else "−" + self.number(abs(points))

    def time(self, at: datetime | None, zone: ZoneInfo) -> str:
        if at is None:
            return "—"
        local = at.astimezone(zone)
        name = _ZONES.get(zone.key, (zone.key, zone.key))[1 if self.en else 0]
        return local.strftime("%Y-%m-%d %H:%M") + (f" ({name})" if self.en else f"（{name}时间）")

    def day(self, d: date | str) -> str:
        d = date.fromisoformat(d) if isinstance(d, str) else d
        return d.isoformat() if self.en else f"{d.year}年{d.month}月{d.day}日"

    def zone_name(self, zone: ZoneInfo) -> str:
        return _ZONES.get(zone.key, (zone.key, zone.key))[1 if self.en else 0]


def pick(query_lang: str | None, accept_language: str | None) -> Messages:
    """`?lang=` first, then the first Accept-Language we speak, else zh-CN."""
    for tag in [query_lang or ""] + _accepted(accept_language or ""):
        tag = tag.strip().lower()
        if tag.startswith("en"):
            return Messages("en")
        if tag.startswith("zh"):
            return Messages(DEFAULT)
    return Messages(DEFAULT)


def _accepted(header: str) -> list[str]:
    """Accept-Language tags by quality, highest first."""
    tags: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            tags.append((-q, i, tag))
    return [t for _q, _i, t in sorted(tags)]


def catalogue_keys() -> Mapping[str, tuple[str, str]]:
    """The catalogue itself (tests check every entry has both languages and the same placeholders)."""
    return _CATALOGUE

"""People of the assessed units: staff roles, leave and absences, and who may be rated excellent (评优资格).

Pure, standard library only. The seeds (the prefecture transport bureau's 机关效能 rules and the
township's veto clause) decide the defaults:

- 「请事、病假连续超过十五天,或者一年内累计超过三十天的,取消评优资格。法定节假日、婚丧、探亲、年休、
  生育、公伤等假除外。」 — only personal (事假) and sick (病假) leave count towards the 15/30-day limits.
- 「无故不参加单位组织的各类劳动…一次扣0.5分,请假、出差人员、外出办事人员除外。」 — every leave type,
  a business trip (出差) and official duty (公务, 外出办事) excuse an absence on a day they cover.
- 「因…被一票否决…相关的分管领导、部门负责人…取消当年的评先评优资格」 — a unit's veto reaches its
  分管领导 and 部门负责人 (科室负责人).
- 「考核评定为"不合格"的科室…年底综合考核科室领导不得评优」 — the head of a section in the lowest band.

How days are counted (this module decides where the seeds are silent): a day counts towards the limits
when a leave of a counted type covers it and no leave of an exempt type does (a public holiday inside a
sick leave is not a sick day); the consecutive limit applies to the longest run of counted days, the
cumulative one to their number in the plan year. Both limits are exceeded only when strictly more.

A leave's approval (请假单): a REJECTED leave was not granted — the person was not on leave, so it
neither counts towards the limits nor excuses an absence (if they were away anyway, those days are
absences); a PENDING one counts and excuses like an approved one (the days were away), and its days
are shown apart (`pending_leave_days`) until it is decided. A leave without a form ("") is a granted
one (records from before the approval flow, imported ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .errors import ValidationError
from .fields import Problems, Reader

# Leave types (codes in bundles and events) with their Chinese labels, in the order of the seeds.
LEAVE_TYPES: dict[str, str] = {
    "personal": "事假",
    "sick": "病假",
    "annual": "年休假",
    "marriage": "婚假",
    "bereavement": "丧假",
    "maternity": "产假",
    "paternity": "陪产假",
    "family_visit": "探亲假",
    "work_injury": "公伤假",
    "public_holiday": "法定节假日",
    "business_trip": "出差",
    "official_duty": "公务",
}
# Only 事假 and 病假 count towards the 15/30-day limits; every other type is exempt (除外).
DEFAULT_COUNTED_LEAVE_TYPES: frozenset[str] = frozenset({"personal", "sick"})
# 请假、出差、外出办事 all excuse an absence from an organised activity.
DEFAULT_EXCUSING_TYPES: frozenset[str] = frozenset(LEAVE_TYPES)

# Roles of a person in a unit (codes) with their Chinese labels.
ROLES: dict[str, str] = {
    "leader": "主管领导",
    "deputy_leader": "分管领导",
    "head": "科室负责人",
    "handler": "承办人",
    "staff": "职工",
}
DEFAULT_VETO_ROLES: frozenset[str] = frozenset({"deputy_leader", "head"})
DEFAULT_FAILING_UNIT_ROLES: frozenset[str] = frozenset({"head"})

ACTIVITIES: dict[str, str] = {"labour": "组织劳动", "culture": "文体活动", "study": "学习"}

# A leave's approval: "" (no leave form: granted), pending, approved, rejected (请假单三级审批).
LEAVE_PENDING, LEAVE_APPROVED, LEAVE_REJECTED = "pending", "approved", "rejected"

DEFAULT_MAX_CONSECUTIVE_LEAVE_DAYS = 15
DEFAULT_MAX_CUMULATIVE_LEAVE_DAYS = 30
DEFAULT_ABSENCE_POINTS = Decimal("0.5")

# Reason codes, in the order they are reported.
UNIT_VETOED = "unit_vetoed"
OVERSEEN_UNIT_VETOED = "overseen_unit_vetoed"
FAILING_UNIT_LEADER = "failing_unit_leader"
LEAVE_CONSECUTIVE = "leave_consecutive"
LEAVE_CUMULATIVE = "leave_cumulative"
DEDUCTIONS_OVER_THRESHOLD = "deductions_over_threshold"
REASON_LABELS: dict[str, str] = {
    UNIT_VETOED: "所在单位被一票否决",
    OVERSEEN_UNIT_VETOED: "分管单位被一票否决",
    FAILING_UNIT_LEADER: "科室考核不合格,科室领导不得评优",
    LEAVE_CONSECUTIVE: "事、病假连续超过规定天数",
    LEAVE_CUMULATIVE: "事、病假累计超过规定天数",
    DEDUCTIONS_OVER_THRESHOLD: "纪律扣分超过规定分值",
}


@dataclass(frozen=True)
class Person:
    """A member of staff (干部职工) of one unit; `oversees` lists other units a leader is in charge of."""

    id: str
    name: str
    unit_id: str
    position: str = ""
    roles: frozenset[str] = frozenset({"staff"})
    oversees: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LeaveRecord:
    """A leave (or trip, or official duty) of a person, both days included."""

    person_id: str
    type: str
    start: date
    end: date
    id: str = ""
    approval: str = ""  # "" (no form) | pending | approved | rejected; a rejected leave is no leave


@dataclass(frozen=True)
class AbsenceRecord:
    """An absence from an organised activity on a date; `excused` when the office excused it by hand."""

    person_id: str
    date: date
    activity: str = ""
    excused: bool = False
    id: str = ""


@dataclass(frozen=True)
class PersonDeduction:
    """An active discipline deduction attributed to a person (absences are counted separately)."""

    person_id: str
    points: Decimal
    date: date
    id: str = ""


@dataclass(frozen=True)
class UnitOutcome:
    """What a person's eligibility needs of their unit's graded result."""

    unit_id: str
    grade: str | None = None
    vetoed: bool = False
    failing: bool = False  # the grade is the plan's lowest band (不合格)


@dataclass(frozen=True)
class PeopleRules:
    """A plan's rules for people; the defaults are the seeds'."""

    year: int
    max_consecutive_leave_days: int = DEFAULT_MAX_CONSECUTIVE_LEAVE_DAYS
    max_cumulative_leave_days: int = DEFAULT_MAX_CUMULATIVE_LEAVE_DAYS
    counted_leave_types: frozenset[str] = DEFAULT_COUNTED_LEAVE_TYPES
    excusing_types: frozenset[str] = DEFAULT_EXCUSING_TYPES
    absence_points: Decimal = DEFAULT_ABSENCE_POINTS
    deduction_threshold: Decimal | None = None  # None: deductions never remove eligibility
    veto_roles: frozenset[str] = DEFAULT_VETO_ROLES
    failing_unit_roles: frozenset[str] = DEFAULT_FAILING_UNIT_ROLES

    @property
    def exempt_leave_types(self) -> frozenset[str]:
        """Leave types that do not count towards the limits (法定节假日、婚丧、探亲、年休、生育、公伤…)."""
        return frozenset(LEAVE_TYPES) - self.counted_leave_types


@dataclass(frozen=True)
class Reason:
    """Why a person is not eligible: a code, its Chinese label and the figures behind it."""

    code: str
    detail: str

    @property
    def label(self) -> str:
        return REASON_LABELS[self.code]

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "detail": self.detail}


@dataclass(frozen=True)
class Eligibility:
    """A person's eligibility for excellence in the plan year, with every reason and the figures."""

    person_id: str
    unit_id: str
    eligible: bool
    reasons: tuple[Reason, ...]
    leave_days: Mapping[str, int] = field(default_factory=dict)  # type -> days in the year
    counted_leave_days: int = 0
    longest_consecutive_leave_days: int = 0
    absences: int = 0
    unexcused_absences: int = 0
    absence_points: Decimal = Decimal(0)
    deduction_points: Decimal = Decimal(0)  # absence points + the person's other discipline deductions
    pending_leave_days: int = 0  # days in the year of leave still awaiting approval (counted meanwhile)

    def as_dict(self) -> dict:
        return {
            "person_id": self.person_id,
            "unit_id": self.unit_id,
            "eligible": self.eligible,
            "reasons": [r.as_dict() for r in self.reasons],
            "leave_days": dict(self.leave_days),
            "counted_leave_days": self.counted_leave_days,
            "longest_consecutive_leave_days": self.longest_consecutive_leave_days,
            "absences": self.absences,
            "unexcused_absences": self.unexcused_absences,
            "absence_points": _dec(self.absence_points),
            "deduction_points": _dec(self.deduction_points),
            "pending_leave_days": self.pending_leave_days,
        }


def _dec(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _days(start: date, end: date, year: int) -> Iterable[date]:
    first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def _longest_run(days: set[date]) -> int:
    best = 0
    for d in days:
        if d - timedelta(days=1) in days:
            continue  # not the start of a run
        n = 1
        while d + timedelta(days=n) in days:
            n += 1
        best = max(best, n)
    return best


def eligibility(
    person: Person,
    unit: UnitOutcome | None,
    leaves: Iterable[LeaveRecord],
    absences: Iterable[AbsenceRecord],
    deductions: Iterable[PersonDeduction],
    rules: PeopleRules,
    overseen: Sequence[UnitOutcome] = (),
) -> Eligibility:
    """Whether `person` may be rated excellent in `rules.year`, with every reason (records of others are ignored)."""
    year = rules.year
    # a rejected leave was not granted: not leave at all (no counted, exempt or excusing days)
    mine = [lv for lv in leaves if lv.person_id == person.id and lv.approval != LEAVE_REJECTED]
    pending: set[date] = set()
    for lv in mine:
        if lv.approval == LEAVE_PENDING:
            pending.update(_days(lv.start, lv.end, year))
    by_type: dict[str, set[date]] = {}
    for lv in mine:
        by_type.setdefault(lv.type, set()).update(_days(lv.start, lv.end, year))
    exempt_days: set[date] = set().union(*(d for t, d in by_type.items() if t not in rules.counted_leave_types))
    counted: set[date] = set().union(*(d for t, d in by_type.items() if t in rules.counted_leave_types))
    counted -= exempt_days
    longest = _longest_run(counted)
    excusing_days: set[date] = set().union(*(d for t, d in by_type.items() if t in rules.excusing_types))

    in_year = [a for a in absences if a.person_id == person.id and a.date.year == year]
    unexcused = sum(1 for a in in_year if not a.excused and a.date not in excusing_days)
    absence_points = rules.absence_points * unexcused
    deduction_points = absence_points + sum(
        (d.points for d in deductions if d.person_id == person.id and d.date.year == year), Decimal(0)
    )

    reasons: list[Reason] = []
    if person.roles & rules.veto_roles:
        if unit is not None and unit.vetoed:
            reasons.append(Reason(UNIT_VETOED, f"unit {unit.unit_id} vetoed"))
        hit = sorted(o.unit_id for o in overseen if o.vetoed and o.unit_id in person.oversees)
        if hit:
            reasons.append(Reason(OVERSEEN_UNIT_VETOED, "overseen unit(s) vetoed: " + ", ".join(hit)))
    if unit is not None and unit.failing and person.roles & rules.failing_unit_roles:
        reasons.append(Reason(FAILING_UNIT_LEADER, f"unit {unit.unit_id} graded {unit.grade}"))
    if longest > rules.max_consecutive_leave_days:
        reasons.append(
            Reason(
                LEAVE_CONSECUTIVE,
                f"{longest} consecutive days of counted leave (more than {rules.max_consecutive_leave_days})",
            )
        )
    if len(counted) > rules.max_cumulative_leave_days:
        reasons.append(
            Reason(
                LEAVE_CUMULATIVE,
                f"{len(counted)} days of counted leave in {year} (more than {rules.max_cumulative_leave_days})",
            )
        )
    if rules.deduction_threshold is not None and deduction_points > rules.deduction_threshold:
        reasons.append(
            Reason(
                DEDUCTIONS_OVER_THRESHOLD,
                f"{_dec(deduction_points)} points of discipline "
                f"deductions (more than {_dec(rules.deduction_threshold)})",
            )
        )
    leave_days = {t: len(by_type[t]) for t in LEAVE_TYPES if by_type.get(t)}
    leave_days.update({t: len(d) for t, d in sorted(by_type.items()) if t not in LEAVE_TYPES and d})
    return Eligibility(
        person.id,
        person.unit_id,
        not reasons,
        tuple(reasons),
        leave_days,
        len(counted),
        longest,
        len(in_year),
        unexcused,
        absence_points,
        deduction_points,
        len(pending),
    )


def eligibility_of_all(
    people: Iterable[Person],
    units: Mapping[str, UnitOutcome],
    leaves: Sequence[LeaveRecord],
    absences: Sequence[AbsenceRecord],
    deductions: Sequence[PersonDeduction],
    rules: PeopleRules,
) -> list[Eligibility]:
    """Every person's eligibility, ordered by unit then person id."""
    out = []
    for p in sorted(people, key=lambda p: (p.unit_id, p.id)):
        overseen = [units[u] for u in sorted(p.oversees) if u in units]
        out.append(eligibility(p, units.get(p.unit_id), leaves, absences, deductions, rules, overseen))
    return out


def unit_outcome(unit_id: str, grade: str | None, vetoed: bool, lowest_grade: str | None) -> UnitOutcome:
    """A unit's outcome from its grade; `lowest_grade` is the plan's last band (不合格 in the bureau's plan)."""
    return UnitOutcome(unit_id, grade, vetoed, grade is not None and grade == lowest_grade)


def read_people_rules(raw: Any, year: int, path: str = "people") -> PeopleRules:
    """The plan's optional `people` section (absent or null: the seeds' defaults); every problem at once."""
    if raw is None:
        return PeopleRules(year)
    problems = Problems()
    r = Reader(raw, path, problems)
    kw: dict[str, Any] = {}
    for key in ("max_consecutive_leave_days", "max_cumulative_leave_days"):
        if r.has(key):
            value = r.int(key)
            if value is not None and value < 0:
                r.fail(key, f"must be 0 or more, not {value}")
            elif value is not None:
                kw[key] = value
    if r.has("absence_points"):
        kw["absence_points"] = r.decimal("absence_points", low=Decimal(0))
    if r.has("deduction_threshold"):
        kw["deduction_threshold"] = r.decimal("deduction_threshold", low=Decimal(0))
    for key, known in (
        ("counted_leave_types", LEAVE_TYPES),
        ("excusing_types", LEAVE_TYPES),
        ("veto_roles", ROLES),
        ("failing_unit_roles", ROLES),
    ):
        if r.has(key):
            values = r.str_list(key)
            if values is None:
                continue
            unknown = [v for v in values if v not in known]
            if unknown:
                r.fail(key, f"unknown code(s) {', '.join(unknown)}; known: {', '.join(known)}")
            else:
                kw[key] = frozenset(values)
    if problems:
        raise ValidationError(problems.items)
    return PeopleRules(year, **{k: v for k, v in kw.items() if v is not None})

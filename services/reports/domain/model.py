"""The reports read model: scores as the scoring service published them, and graded snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class UnitScore:
    """One unit's score for a (plan, period), as carried by UnitScoreUpdated / UnitScoreGraded."""

    unit_id: str
    group: str
    status: str  # final | incomplete | provisional
    total: Decimal | None  # None when incomplete
    grade: str | None
    rank: int | None  # None = unranked
    vetoed: bool = False
    award_eligible: bool = False
    components: dict[str, Decimal] = field(default_factory=dict)
    survey_se: Decimal | None = None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProvisionalScoreReceived:
    """A UnitScoreUpdated event: the latest provisional score of a unit (latest `version` wins)."""

    plan_id: str
    period: str
    score: UnitScore
    version: int
    occurred_at: datetime


@dataclass(frozen=True)
class GradedScoreReceived:
    """A UnitScoreGraded event: one row of the immutable graded snapshot `snapshot_version`."""

    plan_id: str
    period: str
    score: UnitScore
    snapshot_version: int


@dataclass(frozen=True)
class PeriodGradedReceived:
    """A PeriodGraded event: snapshot `snapshot_version` has `units` rows."""

    plan_id: str
    period: str
    snapshot_version: int
    units: int
    closed_by: str
    occurred_at: datetime
    sha256: str = ""  # scoring's snapshot_sha256 of the graded results document ("" from an older scoring)
    objection_ids: tuple[str, ...] = ()  # the objections (异议) the re-score that made this version followed


@dataclass(frozen=True)
class ComponentInfo:
    """One plan component as the pages need it: key, type (indicators|survey|efficiency|penalty), weight."""

    key: str
    type: str
    weight: Decimal | None = None
    cap: Decimal | None = None


@dataclass(frozen=True)
class PlanInfo:
    """What the pages show of a plan besides grade labels: its name, group names, components, awards."""

    name: str = ""
    groups: dict[str, str] = field(default_factory=dict)  # group id → display name
    components: tuple[ComponentInfo, ...] = ()
    eligible_grades: tuple[str, ...] = ()
    criticized_grades: tuple[str, ...] = ()  # 通报批评; default: the lowest band
    rewards: dict[str, str] = field(default_factory=dict)  # grade → reward level, where the plan sets one
    notice_days: int = 5  # 公示期, working days
    veto_categories: tuple[str, ...] = ()
    indicators: dict[str, str] = field(default_factory=dict)  # indicator id → name (score card)


@dataclass(frozen=True)
class PlanPublishedReceived:
    """A PlanPublished event: the plan's grade labels, best band first, and its info (latest `version` wins)."""

    plan_id: str
    version: int
    grades: dict[str, str]
    info: PlanInfo = field(default_factory=PlanInfo)


@dataclass(frozen=True)
class VetoReceived:
    """A VetoIssued (lifted=False) or VetoLifted (lifted=True) from jixiao.inspections.v1."""

    plan_id: str
    unit_id: str
    veto_id: str
    category: str
    date: str
    lifted: bool
    version: int


@dataclass(frozen=True)
class VetoRecord:
    """A veto the read model knows of: its category and date, for the veto mark beside a rank."""

    unit_id: str
    veto_id: str
    category: str
    date: str
    lifted: bool = False


@dataclass(frozen=True)
class UnitUpsertedReceived:
    """A UnitUpserted event: a unit's display name (latest `version` wins; "" = no name)."""

    plan_id: str
    unit_id: str
    name: str
    version: int


@dataclass(frozen=True)
class Snapshot:
    """What is known of one graded snapshot; `expected` is None until its PeriodGraded arrived."""

    version: int
    expected: int | None
    received: int
    closed_by: str = ""
    graded_at: datetime | None = None
    sha256: str = ""  # scoring's snapshot_sha256
    objection_ids: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.expected is not None and self.received >= self.expected


@dataclass(frozen=True)
class PeriodState:
    """A (plan, period) the read model knows, and the graded snapshot currently shown for it."""

    plan_id: str
    period: str
    current_snapshot: int | None = None
    graded_at: datetime | None = None
    closed_by: str = ""
    has_provisional: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True)
class PlanLabels:
    """A plan's own display names: grade code → label, unit id → unit name.

    Stored twice: as learned from the indicators events, and as the explicit override of
    `PUT /v1/plans/{id}/labels`; `rules.labels_in_effect` merges them.
    """

    plan_id: str
    grades: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    info: PlanInfo = field(default_factory=PlanInfo)


@dataclass(frozen=True)
class RankingRow:
    """One line of a ranking as shown to people."""

    rank: int | None
    unit_id: str
    unit_name: str
    group: str
    total: Decimal | None
    grade: str | None
    grade_label: str
    vetoed: bool
    award_eligible: bool
    status: str
    components: dict[str, Decimal] = field(default_factory=dict)
    veto_categories: tuple[str, ...] = ()
    group_name: str = ""


@dataclass(frozen=True)
class GroupRanking:
    """One ranking group: its rows in rank order and its grade distribution (label, count)."""

    group: str
    rows: list[RankingRow]
    distribution: list[tuple[str, str, int]]  # (grade code, label, count)
    ungraded: int
    name: str = ""  # the plan's display name of the group, else the id


@dataclass(frozen=True)
class RankingView:
    """Everything a page, an export or the annual report shows for one (plan, period)."""

    plan_id: str
    period: str
    provisional: bool
    snapshot_version: int | None
    graded_at: datetime | None
    closed_by: str
    groups: list[GroupRanking]
    plan_name: str = ""
    info: PlanInfo = field(default_factory=PlanInfo)
    grade_order: tuple[tuple[str, str], ...] = ()  # (code, label), best band first

    @property
    def rows(self) -> list[RankingRow]:
        return [row for g in self.groups for row in g.rows]


@dataclass(frozen=True)
class ScoreCard:
    """One unit's score for a (plan, period): its ranking row and what made the total."""

    plan_id: str
    period: str
    provisional: bool
    snapshot_version: int | None
    graded_at: datetime | None
    row: RankingRow  # name, group, total, grade and label, rank within group
    group_size: int
    components: dict[str, Decimal] = field(default_factory=dict)
    survey_se: Decimal | None = None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Notice:
    """A frozen public notice (公示) of one graded snapshot: its canonical content and the SHA-256 of it."""

    plan_id: str
    period: str
    snapshot_version: int
    content: str  # canonical JSON (sorted keys, decimals as strings)
    sha256: str  # of the snapshot rows' canonical JSON (see notice.snapshot_hash)
    published_at: datetime
    ends_on: str  # ISO date: the last day of the notice period (公示期)


@dataclass(frozen=True)
class Objection:
    """An objection (异议) against a unit's result in a notice, and the office's answer."""

    id: str
    plan_id: str
    period: str
    snapshot_version: int
    unit_id: str
    text: str
    filed_by: str
    filed_at: datetime
    answer: str = ""
    answered_by: str = ""
    answered_at: datetime | None = None

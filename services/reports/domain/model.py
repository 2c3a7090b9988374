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
    status: str                        # final | incomplete | provisional
    total: Decimal | None              # None when incomplete
    grade: str | None
    rank: int | None                   # None = unranked
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


@dataclass(frozen=True)
class PlanPublishedReceived:
    """A PlanPublished event: the plan's grade labels, best band first (latest `version` wins)."""

    plan_id: str
    version: int
    grades: dict[str, str]


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


@dataclass(frozen=True)
class GroupRanking:
    """One ranking group: its rows in rank order and its grade distribution (label, count)."""

    group: str
    rows: list[RankingRow]
    distribution: list[tuple[str, str, int]]      # (grade code, label, count)
    ungraded: int


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
    row: RankingRow                    # name, group, total, grade and label, rank within group
    group_size: int
    components: dict[str, Decimal] = field(default_factory=dict)
    survey_se: Decimal | None = None
    missing: tuple[str, ...] = ()

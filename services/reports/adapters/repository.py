"""The read-model repository: the port the handlers use, and its PostgreSQL adapter."""

from __future__ import annotations

import abc
from dataclasses import asdict
from decimal import Decimal

from services.reports.domain.model import (
    ComponentInfo,
    GradedScoreReceived,
    Notice,
    Objection,
    PeriodGradedReceived,
    PeriodState,
    PlanInfo,
    PlanLabels,
    PlanPublishedReceived,
    ProvisionalScoreReceived,
    Snapshot,
    UnitScore,
    UnitUpsertedReceived,
    VetoReceived,
    VetoRecord,
)


class AbstractReadModel(abc.ABC):
    """Storage of the reports read model (one transaction's view)."""

    # -- writes from events --------------------------------------------------------------
    @abc.abstractmethod
    async def save_provisional(self, event: ProvisionalScoreReceived) -> bool:
        """Store the score unless a higher version is stored (latest wins); True if stored."""

    @abc.abstractmethod
    async def add_graded(self, event: GradedScoreReceived) -> bool | None:
        """Add a snapshot row; a row already there is left as it is (snapshots are immutable).
        True if it was added (None: the store does not say)."""

    @abc.abstractmethod
    async def add_period_graded(self, event: PeriodGradedReceived) -> bool | None:
        """Record a snapshot's header (unit count, closer, time); idempotent. True if recorded."""

    @abc.abstractmethod
    async def save_plan_grades(self, event: PlanPublishedReceived) -> bool:
        """Store a plan's grade labels unless a higher plan version is stored; True if stored."""

    @abc.abstractmethod
    async def save_unit_name(self, event: UnitUpsertedReceived) -> bool:
        """Store a unit's name unless a higher unit version is stored; True if stored."""

    @abc.abstractmethod
    async def lock_period(self, plan_id: str, period: str) -> PeriodState:
        """The period's state, created if new, locked until the transaction ends."""

    @abc.abstractmethod
    async def snapshots(self, plan_id: str, period: str) -> list[Snapshot]:
        """Every snapshot version with rows or a header, with its received row count."""

    @abc.abstractmethod
    async def show_snapshot(self, plan_id: str, period: str, snapshot: Snapshot) -> None:
        """Make a complete snapshot the one shown for the period."""

    @abc.abstractmethod
    async def drop_snapshots(self, plan_id: str, period: str, versions: list[int]) -> None:
        """Forget snapshot versions (rows and header)."""

    # -- queries ---------------------------------------------------------------------------
    @abc.abstractmethod
    async def period(self, plan_id: str, period: str) -> PeriodState | None: ...

    @abc.abstractmethod
    async def periods(self) -> list[PeriodState]: ...

    @abc.abstractmethod
    async def provisional_scores(self, plan_id: str, period: str) -> list[UnitScore]: ...

    @abc.abstractmethod
    async def graded_scores(self, plan_id: str, period: str, version: int) -> list[UnitScore]: ...

    @abc.abstractmethod
    async def labels(self, plan_id: str) -> PlanLabels | None:
        """The explicit override (PUT), if any."""

    @abc.abstractmethod
    async def learned_labels(self, plan_id: str) -> PlanLabels | None:
        """What the indicators events taught: grade labels and the non-empty unit names, if any."""

    @abc.abstractmethod
    async def save_labels(self, labels: PlanLabels) -> None: ...

    # -- vetoes, notices, objections, audit (migration 0004) -----------------------------------
    @abc.abstractmethod
    async def save_veto(self, event: VetoReceived) -> bool:
        """Store a veto's issue or lift unless a higher version of it is stored; True if stored."""

    @abc.abstractmethod
    async def vetoes(self, plan_id: str) -> list[VetoRecord]:
        """Every veto of the plan (lifted ones too), by unit and date."""

    @abc.abstractmethod
    async def notice(self, plan_id: str, period: str, version: int) -> Notice | None: ...

    @abc.abstractmethod
    async def save_notice(self, notice: Notice) -> None:
        """Store a notice unless one exists for its snapshot (a notice is never rewritten)."""

    @abc.abstractmethod
    async def notice_versions(self, plan_id: str, period: str) -> list[int]: ...

    @abc.abstractmethod
    async def add_objection(self, objection: Objection) -> None: ...

    @abc.abstractmethod
    async def objection(self, objection_id: str, *, lock: bool = False) -> Objection | None: ...

    @abc.abstractmethod
    async def objections(self, plan_id: str, period: str, version: int) -> list[Objection]:
        """The objections against one notice, oldest first."""

    @abc.abstractmethod
    async def save_answer(self, objection: Objection) -> None: ...

    @abc.abstractmethod
    async def add_audit(self, actor: str, action: str, plan_id: str, object_id: str, detail: dict) -> None:
        """One line of the reports audit trail."""


def info_to_json(info: PlanInfo) -> dict:
    """PlanInfo as plain JSON (decimals as strings)."""
    doc = asdict(info)
    doc["components"] = [
        {
            **c,
            "weight": None if c["weight"] is None else str(c["weight"]),
            "cap": None if c["cap"] is None else str(c["cap"]),
        }
        for c in doc["components"]
    ]
    return doc


def info_of_json(doc: dict | None) -> PlanInfo:
    if not doc:
        return PlanInfo()
    return PlanInfo(
        name=doc.get("name", ""),
        groups=dict(doc.get("groups", {})),
        components=tuple(
            ComponentInfo(
                c["key"],
                c["type"],
                None if c.get("weight") is None else Decimal(c["weight"]),
                None if c.get("cap") is None else Decimal(c["cap"]),
            )
            for c in doc.get("components", [])
        ),
        eligible_grades=tuple(doc.get("eligible_grades", ())),
        criticized_grades=tuple(doc.get("criticized_grades", ())),
        rewards=dict(doc.get("rewards", {})),
        notice_days=int(doc.get("notice_days", 5)),
        veto_categories=tuple(doc.get("veto_categories", ())),
        indicators=dict(doc.get("indicators", {})),
    )


def objection_of(row) -> Objection:
    return Objection(
        id=row.id,
        plan_id=row.plan_id,
        period=row.period,
        snapshot_version=row.snapshot_version,
        unit_id=row.unit_id,
        text=row.text,
        filed_by=row.filed_by,
        filed_at=row.filed_at,
        answer=row.answer,
        answered_by=row.answered_by,
        answered_at=row.answered_at,
    )


def score_values(score: UnitScore) -> dict:
    return dict(
        group_name=score.group,
        status=score.status,
        total=score.total,
        grade=score.grade,
        rank=score.rank,
        vetoed=score.vetoed,
        award_eligible=score.award_eligible,
        components={k: str(v) for k, v in score.components.items()},
        survey_se=score.survey_se,
        missing=list(score.missing),
    )


def score_of(row) -> UnitScore:
    return UnitScore(
        unit_id=row.unit_id,
        group=row.group_name,
        status=row.status,
        total=row.total,
        grade=row.grade,
        rank=row.rank,
        vetoed=row.vetoed,
        award_eligible=row.award_eligible,
        components={k: Decimal(v) for k, v in row.components.items()},
        survey_se=row.survey_se,
        missing=tuple(row.missing),
    )

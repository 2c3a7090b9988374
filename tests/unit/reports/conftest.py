"""Fakes for the reports service: an in-memory read model and unit of work (no servers)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jixiao.testing import fakes
from services.reports.adapters.repository import AbstractReadModel
from services.reports.domain.model import (
    GradedScoreReceived,
    Notice,
    Objection,
    PeriodGradedReceived,
    PeriodState,
    PlanLabels,
    PlanPublishedReceived,
    ProvisionalScoreReceived,
    Snapshot,
    UnitScore,
    UnitUpsertedReceived,
    VetoReceived,
    VetoRecord,
)
from services.reports.domain.rules import supersedes


class FakeReadModel(AbstractReadModel):
    """The read model in dictionaries, with the same rules the SQL adapter applies."""

    def __init__(self) -> None:
        self.provisional: dict[tuple[str, str, str], tuple[int, UnitScore]] = {}
        self.graded: dict[tuple[str, str, int], dict[str, UnitScore]] = {}
        self.headers: dict[tuple[str, str, int], PeriodGradedReceived] = {}
        self.states: dict[tuple[str, str], PeriodState] = {}
        self.plan_labels: dict[str, PlanLabels] = {}
        self.plan_grades: dict[str, PlanPublishedReceived] = {}
        self.unit_names: dict[tuple[str, str], UnitUpsertedReceived] = {}
        self.locked: list[tuple[str, str]] = []
        self.veto_rows: dict[tuple[str, str], VetoReceived] = {}
        self.notices: dict[tuple[str, str, int], Notice] = {}
        self.objection_rows: dict[str, Objection] = {}
        self.audit: list[tuple[str, str, str, str, dict]] = []

    async def save_provisional(self, event: ProvisionalScoreReceived) -> bool:
        key = (event.plan_id, event.period, event.score.unit_id)
        stored = self.provisional.get(key)
        if not supersedes(event.version, stored[0] if stored else None):
            return False
        self.provisional[key] = (event.version, event.score)
        return True

    async def add_graded(self, event: GradedScoreReceived) -> None:
        rows = self.graded.setdefault((event.plan_id, event.period, event.snapshot_version), {})
        rows.setdefault(event.score.unit_id, event.score)

    async def add_period_graded(self, event: PeriodGradedReceived) -> None:
        self.headers.setdefault((event.plan_id, event.period, event.snapshot_version), event)

    async def save_plan_grades(self, event: PlanPublishedReceived) -> bool:
        stored = self.plan_grades.get(event.plan_id)
        if not supersedes(event.version, stored.version if stored else None):
            return False
        self.plan_grades[event.plan_id] = event
        return True

    async def save_unit_name(self, event: UnitUpsertedReceived) -> bool:
        stored = self.unit_names.get((event.plan_id, event.unit_id))
        if not supersedes(event.version, stored.version if stored else None):
            return False
        self.unit_names[(event.plan_id, event.unit_id)] = event
        return True

    async def lock_period(self, plan_id: str, period: str) -> PeriodState:
        self.locked.append((plan_id, period))
        return self.states.setdefault((plan_id, period), PeriodState(plan_id, period))

    async def snapshots(self, plan_id: str, period: str) -> list[Snapshot]:
        versions = {v for (p, q, v) in [*self.graded, *self.headers] if (p, q) == (plan_id, period)}
        result = []
        for v in sorted(versions):
            h = self.headers.get((plan_id, period, v))
            result.append(
                Snapshot(
                    v,
                    h.units if h else None,
                    len(self.graded.get((plan_id, period, v), {})),
                    h.closed_by if h else "",
                    h.occurred_at if h else None,
                    h.sha256 if h else "",
                    h.objection_ids if h else (),
                )
            )
        return result

    async def show_snapshot(self, plan_id: str, period: str, snapshot: Snapshot) -> None:
        state = self.states[(plan_id, period)]
        self.states[(plan_id, period)] = replace(
            state, current_snapshot=snapshot.version, graded_at=snapshot.graded_at, closed_by=snapshot.closed_by
        )

    async def drop_snapshots(self, plan_id: str, period: str, versions: list[int]) -> None:
        for v in versions:
            self.graded.pop((plan_id, period, v), None)
            self.headers.pop((plan_id, period, v), None)

    async def period(self, plan_id: str, period: str) -> PeriodState | None:
        state = self.states.get((plan_id, period))
        if state is None:
            return None
        return replace(state, has_provisional=any(k[:2] == (plan_id, period) for k in self.provisional))

    async def periods(self) -> list[PeriodState]:
        return [await self.period(*k) for k in sorted(self.states)]

    async def provisional_scores(self, plan_id: str, period: str) -> list[UnitScore]:
        return [s for (p, q, _u), (_v, s) in sorted(self.provisional.items()) if (p, q) == (plan_id, period)]

    async def graded_scores(self, plan_id: str, period: str, version: int) -> list[UnitScore]:
        return [s for _u, s in sorted(self.graded.get((plan_id, period, version), {}).items())]

    async def labels(self, plan_id: str) -> PlanLabels | None:
        return self.plan_labels.get(plan_id)

    async def learned_labels(self, plan_id: str) -> PlanLabels | None:
        grades = self.plan_grades.get(plan_id)
        names = {u: e.name for (p, u), e in sorted(self.unit_names.items()) if p == plan_id and e.name}
        if grades is None and not names:
            return None
        return PlanLabels(
            plan_id, dict(grades.grades) if grades else {}, names, grades.info if grades else PlanLabels(plan_id).info
        )

    async def save_labels(self, labels: PlanLabels) -> None:
        self.plan_labels[labels.plan_id] = labels

    async def save_veto(self, event: VetoReceived) -> bool:
        key = (event.plan_id, event.veto_id)
        stored = self.veto_rows.get(key)
        if not supersedes(event.version, stored.version if stored else None):
            return False
        if event.lifted and stored is not None:
            event = replace(stored, lifted=True, version=event.version)
        self.veto_rows[key] = event
        return True

    async def vetoes(self, plan_id: str) -> list[VetoRecord]:
        rows = [
            VetoRecord(v.unit_id, v.veto_id, v.category, v.date, v.lifted)
            for (p, _id), v in self.veto_rows.items()
            if p == plan_id
        ]
        return sorted(rows, key=lambda v: (v.unit_id, v.date, v.veto_id))

    async def notice(self, plan_id: str, period: str, version: int) -> Notice | None:
        return self.notices.get((plan_id, period, version))

    async def save_notice(self, notice: Notice) -> None:
        self.notices.setdefault((notice.plan_id, notice.period, notice.snapshot_version), notice)

    async def notice_versions(self, plan_id: str, period: str) -> list[int]:
        return sorted(v for (p, q, v) in self.notices if (p, q) == (plan_id, period))

    async def add_objection(self, objection: Objection) -> None:
        self.objection_rows[objection.id] = objection

    async def objection(self, objection_id: str, *, lock: bool = False) -> Objection | None:
        return self.objection_rows.get(objection_id)

    async def objections(self, plan_id: str, period: str, version: int) -> list[Objection]:
        return sorted(
            (
                o
                for o in self.objection_rows.values()
                if (o.plan_id, o.period, o.snapshot_version) == (plan_id, period, version)
            ),
            key=lambda o: (o.filed_at, o.id),
        )

    async def save_answer(self, objection: Objection) -> None:
        self.objection_rows[objection.id] = objection

    async def add_audit(self, actor: str, action: str, plan_id: str, object_id: str, detail: dict) -> None:
        self.audit.append((actor, action, plan_id, object_id, detail))


class FakeUnitOfWork(fakes.FakeUnitOfWork):
    """`async with uow:` over the fake read model; counts commits (the read model never rolls back)."""

    source = "reports"

    def __init__(self, reports: FakeReadModel | None = None) -> None:
        super().__init__()
        self.reports = reports or FakeReadModel()


@pytest.fixture
def repo() -> FakeReadModel:
    return FakeReadModel()


@pytest.fixture
def uow(repo: FakeReadModel) -> FakeUnitOfWork:
    return FakeUnitOfWork(repo)

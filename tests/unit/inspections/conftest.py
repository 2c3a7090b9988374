"""Fakes of the inspections ports: an in-memory unit of work with transactional rollback and an event log."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime

import pytest

from jixiao.testing import fakes
from services.inspections.adapters.repository import (
    ANY,
    AbstractAuditLog,
    AbstractEvidenceStore,
    AbstractPlans,
    AbstractRecords,
    AbstractUnits,
    ListFilter,
)
from services.inspections.service.unit_of_work import AbstractUnitOfWork


class FakeRecords(AbstractRecords):
    def __init__(self, rows: dict, date_field: str = "date") -> None:
        self.rows = rows
        self.date_field = date_field

    def _match(self, plan_id: str, r, f: ListFilter) -> bool:
        if r.plan_id != plan_id:
            return False
        for name, value in f.equalities().items():
            if hasattr(r, name) and getattr(r, name) != value:
                return False
        if f.unit_ids is not None and getattr(r, "unit_id", None) not in f.unit_ids:
            return False
        day = getattr(r, self.date_field, None)
        if hasattr(day, "date") and callable(day.date):
            day = day.date()
        if f.date_from is not None and day is not None and day < f.date_from:
            return False
        return not (f.date_to is not None and day is not None and day > f.date_to)

    async def get(self, plan_id, record_id, *, lock=False):
        r = self.rows.get((plan_id, record_id))
        return copy.deepcopy(r)

    async def add(self, record) -> None:
        key = (record.plan_id, record.id)
        assert key not in self.rows, f"duplicate key {key}"
        self.rows[key] = copy.deepcopy(record)

    async def save(self, record) -> None:
        key = (record.plan_id, record.id)
        assert key in self.rows
        self.rows[key] = copy.deepcopy(record)

    async def list(self, plan_id, f: ListFilter = ANY, *, limit=None, offset=0):
        found = [copy.deepcopy(r) for r in self.rows.values() if self._match(plan_id, r, f)]
        return found[offset : offset + limit] if limit is not None else found

    async def count(self, plan_id, f: ListFilter = ANY) -> int:
        return len(await self.list(plan_id, f))


class FakeInspections(FakeRecords):
    async def save(self, record) -> None:
        """Like the SQL adapter: the inspection's own fields; its findings are written one by one."""
        stored = self.rows[(record.plan_id, record.id)]
        self.rows[(record.plan_id, record.id)] = dataclasses.replace(copy.deepcopy(record), findings=stored.findings)

    async def add_finding(self, plan_id, finding) -> None:
        self.rows[(plan_id, finding.inspection_id)].findings.append(copy.deepcopy(finding))

    async def save_finding(self, plan_id, finding) -> None:
        inspection = self.rows[(plan_id, finding.inspection_id)]
        inspection.findings = [copy.deepcopy(finding) if f.id == finding.id else f for f in inspection.findings]


class FakePlans(AbstractPlans):
    def __init__(self, rows: dict) -> None:
        self.rows = rows

    async def get(self, plan_id):
        return copy.deepcopy(self.rows.get(plan_id))

    async def save(self, settings) -> None:
        self.rows[settings.plan_id] = copy.deepcopy(settings)


class FakeUnits(AbstractUnits):
    def __init__(self, rows: dict) -> None:
        self.rows = rows

    async def ids(self, plan_id):
        return {uid for (pid, uid) in self.rows if pid == plan_id}

    async def upsert(self, units) -> int:
        changed = 0
        for u in units:
            if self.rows.get((u.plan_id, u.id)) != u:
                self.rows[(u.plan_id, u.id)] = copy.deepcopy(u)
                changed += 1
        return changed


class FakeEvidenceStore(AbstractEvidenceStore):
    def __init__(self, rows: dict, inspections: dict) -> None:
        self.rows, self.inspections = rows, inspections

    async def add(self, plan_id, evidence, content) -> None:
        self.rows[(plan_id, evidence.id)] = (copy.deepcopy(evidence), content)
        for inspection in self.inspections.values():
            for f in inspection.findings:
                if inspection.plan_id == plan_id and f.id == evidence.finding_id:
                    f.evidence.append(copy.deepcopy(evidence))

    async def get(self, plan_id, evidence_id):
        return self.rows.get((plan_id, evidence_id))


class FakeAuditLog(AbstractAuditLog):
    def __init__(self, rows: list) -> None:
        self.rows = rows

    async def add(self, entries) -> None:
        for e in entries:
            self.rows.append(dataclasses.replace(e, id=len(self.rows) + 1))

    async def list(self, plan_id, f: ListFilter = ANY, *, limit=None, offset=0):
        found = [
            e
            for e in self.rows
            if e.plan_id == plan_id
            and (f.entity_type is None or e.entity_type == f.entity_type)
            and (f.entity_id is None or e.entity_id == f.entity_id)
        ]
        return found[offset : offset + limit] if limit is not None else found


@dataclasses.dataclass
class _State:
    plans: dict = dataclasses.field(default_factory=dict)
    units: dict = dataclasses.field(default_factory=dict)
    deductions: dict = dataclasses.field(default_factory=dict)
    vetoes: dict = dataclasses.field(default_factory=dict)
    appeals: dict = dataclasses.field(default_factory=dict)
    inspections: dict = dataclasses.field(default_factory=dict)
    evidence: dict = dataclasses.field(default_factory=dict)
    absences: dict = dataclasses.field(default_factory=dict)
    leaves: dict = dataclasses.field(default_factory=dict)
    staff: dict = dataclasses.field(default_factory=dict)
    audit: list = dataclasses.field(default_factory=list)


class FakeUnitOfWork(fakes.FakeUnitOfWork, AbstractUnitOfWork):
    """Everything in memory; leaving the block without commit() restores the state it found."""

    source = "inspections"

    def __init__(self, now: datetime = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)) -> None:
        super().__init__()
        self.now = now
        self.clock = lambda: self.now
        self.state = _State()

    @property
    def events(self) -> list:
        """Committed envelopes (the outbox)."""
        return self.published

    def snapshot(self) -> _State:
        return copy.deepcopy(self.state)

    def restore(self, saved: _State) -> None:
        self.state = saved

    async def __aenter__(self):
        await super().__aenter__()
        st = self.state
        self.plans = FakePlans(st.plans)
        self.units = FakeUnits(st.units)
        self.deductions = FakeRecords(st.deductions)
        self.vetoes = FakeRecords(st.vetoes)
        self.appeals = FakeRecords(st.appeals, "filed_at")
        self.inspections = FakeInspections(st.inspections)
        self.evidence = FakeEvidenceStore(st.evidence, st.inspections)
        self.absences = FakeRecords(st.absences)
        self.leaves = FakeRecords(st.leaves, "start")
        self.staff = FakeRecords(st.staff, "created_at")
        self.audit = FakeAuditLog(st.audit)
        return self

    async def lock_plan(self, plan_id: str) -> None:
        return None

    async def position(self, plan_id: str) -> int:
        return sum(1 for e in self.published if e.plan_id == plan_id)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()

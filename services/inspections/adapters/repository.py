"""Repositories: the abstract ports the handlers use and their SQLAlchemy adapters."""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.inspections.adapters import orm
from services.inspections.domain.model import AuditEntry, Evidence, Finding, Inspection, PlanSettings, Unit


@dataclass(frozen=True)
class ListFilter:
    """Filters of the list endpoints; None means "any". Dates filter the record's own date (inclusive)."""

    unit_id: str | None = None
    kind: str | None = None
    status: str | None = None
    aspect: str | None = None
    category: str | None = None
    mode: str | None = None
    person: str | None = None
    deduction_id: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    unit_ids: frozenset[str] | None = None  # any of these units (a unit officer's own)

    def equalities(self) -> dict[str, Any]:
        skip = {"date_from", "date_to", "unit_ids"}
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in skip and getattr(self, f.name) is not None
        }


ANY = ListFilter()


class AbstractRecords(abc.ABC):
    """Records of one kind within a plan, addressed by (plan id, id)."""

    @abc.abstractmethod
    async def get(self, plan_id: str, record_id: str, *, lock: bool = False) -> Any | None: ...

    @abc.abstractmethod
    async def add(self, record: Any) -> None: ...

    @abc.abstractmethod
    async def save(self, record: Any) -> None: ...

    @abc.abstractmethod
    async def list(
        self, plan_id: str, f: ListFilter = ANY, *, limit: int | None = None, offset: int = 0
    ) -> list[Any]: ...

    @abc.abstractmethod
    async def count(self, plan_id: str, f: ListFilter = ANY) -> int: ...

    async def add_many(self, records: list[Any]) -> None:
        """Add records in order (the SQL adapter: one statement for all)."""
        for record in records:
            await self.add(record)

    async def save_many(self, records: list[Any]) -> None:
        """Save records in order (the SQL adapter: one statement for all)."""
        for record in records:
            await self.save(record)


class AbstractPlans(abc.ABC):
    @abc.abstractmethod
    async def get(self, plan_id: str) -> PlanSettings | None: ...

    @abc.abstractmethod
    async def save(self, settings: PlanSettings) -> None: ...


class AbstractUnits(abc.ABC):
    @abc.abstractmethod
    async def ids(self, plan_id: str) -> set[str]: ...

    @abc.abstractmethod
    async def upsert(self, units: list[Unit]) -> int:
        """Insert or update; returns how many rows were new or changed."""


class AbstractEvidenceStore(abc.ABC):
    @abc.abstractmethod
    async def add(self, plan_id: str, evidence: Evidence, content: bytes) -> None: ...

    @abc.abstractmethod
    async def get(self, plan_id: str, evidence_id: str) -> tuple[Evidence, bytes] | None: ...


class AbstractAuditLog(abc.ABC):
    @abc.abstractmethod
    async def add(self, entries: list[AuditEntry]) -> None: ...

    @abc.abstractmethod
    async def list(
        self, plan_id: str, f: ListFilter = ANY, *, limit: int | None = None, offset: int = 0
    ) -> list[AuditEntry]: ...


# --- SQLAlchemy adapters ---------------------------------------------------------------------


def _runs(rows: list[dict]) -> list[list[dict]]:
    """Consecutive rows with the same keys, in order (an executemany needs one shape)."""
    runs: list[list[dict]] = []
    for row in rows:
        if runs and runs[-1][0].keys() == row.keys():
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


class SqlAlchemyRecords(AbstractRecords):
    """Maps a dataclass to a table whose column names are the dataclass's field names."""

    date_column = "date"

    def __init__(self, session: AsyncSession, table: sa.Table, cls: type) -> None:
        self.session, self.table, self.cls = session, table, cls
        self._fields = {f.name for f in dataclasses.fields(cls)}
        self._columns = [c for c in table.c if c.name in self._fields]

    def _to_row(self, record: Any) -> dict:
        row = {c.name: getattr(record, c.name) for c in self._columns}
        if "created_at" in row and row["created_at"] is None:
            del row["created_at"]
        return row

    def _from_row(self, row: Any) -> Any:
        return self.cls(**{c.name: row[c.name] for c in self._columns})

    def _where(self, plan_id: str, f: ListFilter) -> list:
        t = self.table.c
        conds = [t.plan_id == plan_id]
        for name, value in f.equalities().items():
            if name in t:
                conds.append(t[name] == value)
        if f.unit_ids is not None and "unit_id" in t:
            conds.append(t.unit_id.in_(sorted(f.unit_ids)))
        if self.date_column in t:
            if f.date_from is not None:
                conds.append(t[self.date_column] >= f.date_from)
            if f.date_to is not None:
                conds.append(t[self.date_column] <= f.date_to)
        return conds

    async def get(self, plan_id: str, record_id: str, *, lock: bool = False) -> Any | None:
        q = sa.select(*self._columns).where(self.table.c.plan_id == plan_id, self.table.c.id == record_id)
        if lock:
            q = q.with_for_update()
        row = (await self.session.execute(q)).mappings().first()
        return self._from_row(row) if row else None

    async def add(self, record: Any) -> None:
        await self.session.execute(sa.insert(self.table).values(**self._to_row(record)))

    async def save(self, record: Any) -> None:
        row = self._to_row(record)
        await self.session.execute(
            sa.update(self.table)
            .where(self.table.c.plan_id == record.plan_id, self.table.c.id == record.id)
            .values(**row)
        )

    async def add_many(self, records: list[Any]) -> None:
        """One INSERT per run of records with the same columns (all of them, as a rule), in order."""
        for rows in _runs([self._to_row(r) for r in records]):
            await self.session.execute(sa.insert(self.table), rows)

    async def save_many(self, records: list[Any]) -> None:
        """One UPDATE … WHERE plan_id, id per run of records with the same columns, executed for all."""
        t = self.table
        for rows in _runs([self._to_row(r) for r in records]):
            columns = list(rows[0])
            stmt = (
                sa.update(t)
                .where(t.c.plan_id == sa.bindparam("_plan_id"), t.c.id == sa.bindparam("_id"))
                .values({c: sa.bindparam(f"_v_{c}") for c in columns})
            )
            params = [
                {"_plan_id": row["plan_id"], "_id": row["id"], **{f"_v_{c}": row[c] for c in columns}} for row in rows
            ]
            await self.session.execute(stmt, params)

    def _order(self) -> list:
        t = self.table.c
        return [t.seq] if "seq" in t else [t[self.date_column], t.id] if self.date_column in t else [t.id]

    async def list(self, plan_id: str, f: ListFilter = ANY, *, limit: int | None = None, offset: int = 0) -> list[Any]:
        q = sa.select(*self._columns).where(*self._where(plan_id, f)).order_by(*self._order())
        if limit is not None:
            q = q.limit(limit).offset(offset)
        return [self._from_row(r) for r in (await self.session.execute(q)).mappings()]

    async def count(self, plan_id: str, f: ListFilter = ANY) -> int:
        q = sa.select(sa.func.count()).select_from(self.table).where(*self._where(plan_id, f))
        return int((await self.session.execute(q)).scalar_one())


class SqlAlchemyAppeals(SqlAlchemyRecords):
    date_column = "filed_at"

    def _order(self) -> list:
        return [self.table.c.filed_at, self.table.c.id]


class SqlAlchemyLeaves(SqlAlchemyRecords):
    date_column = "start"


class SqlAlchemyInspections(SqlAlchemyRecords):
    """Inspections with their findings (and the evidence metadata of each finding)."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, orm.inspections, Inspection)
        self._columns = [c for c in self._columns if c.name != "findings"]

    def _from_row(self, row: Any) -> Inspection:
        return Inspection(**{c.name: row[c.name] for c in self._columns})

    async def _attach(self, items: list[Inspection]) -> list[Inspection]:
        if not items:
            return items
        by_id = {i.id: i for i in items}
        plan_id = items[0].plan_id
        f, e = orm.findings.c, orm.evidence.c
        rows = (
            await self.session.execute(
                sa.select(orm.findings)
                .where(f.plan_id == plan_id, f.inspection_id.in_(by_id))
                .order_by(f.inspection_id, f.position)
            )
        ).mappings()
        findings = {}
        for r in rows:
            finding = Finding(
                r["id"],
                r["inspection_id"],
                r["aspect"],
                r["description"],
                r["proposed_points"],
                r["deduction_id"],
                revision=r["revision"],
            )
            findings[finding.id] = finding
            by_id[finding.inspection_id].findings.append(finding)
        if findings:
            ev = (
                await self.session.execute(
                    sa.select(e.id, e.finding_id, e.filename, e.content_type, e.size, e.sha256)
                    .where(e.plan_id == plan_id, e.finding_id.in_(findings))
                    .order_by(e.created_at, e.id)
                )
            ).mappings()
            for r in ev:
                findings[r["finding_id"]].evidence.append(Evidence(**r))
        return items

    async def get(self, plan_id: str, record_id: str, *, lock: bool = False) -> Inspection | None:
        found = await super().get(plan_id, record_id, lock=lock)
        return (await self._attach([found]))[0] if found else None

    async def add(self, record: Inspection) -> None:
        await super().add(record)
        for finding in record.findings:
            await self.add_finding(record.plan_id, finding)

    async def add_finding(self, plan_id: str, finding: Finding) -> None:
        position = (
            await self.session.execute(
                sa.select(sa.func.count())
                .select_from(orm.findings)
                .where(orm.findings.c.plan_id == plan_id, orm.findings.c.inspection_id == finding.inspection_id)
            )
        ).scalar_one()
        await self.session.execute(
            sa.insert(orm.findings).values(
                plan_id=plan_id,
                id=finding.id,
                inspection_id=finding.inspection_id,
                position=position,
                aspect=finding.aspect,
                description=finding.description,
                proposed_points=finding.proposed_points,
                deduction_id=finding.deduction_id,
                revision=finding.revision,
            )
        )

    async def save_finding(self, plan_id: str, finding: Finding) -> None:
        await self.session.execute(
            sa.update(orm.findings)
            .where(orm.findings.c.plan_id == plan_id, orm.findings.c.id == finding.id)
            .values(
                aspect=finding.aspect,
                description=finding.description,
                proposed_points=finding.proposed_points,
                deduction_id=finding.deduction_id,
                revision=finding.revision,
            )
        )

    async def list(
        self, plan_id: str, f: ListFilter = ANY, *, limit: int | None = None, offset: int = 0
    ) -> list[Inspection]:
        return await self._attach(await super().list(plan_id, f, limit=limit, offset=offset))


class SqlAlchemyPlans(AbstractPlans):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, plan_id: str) -> PlanSettings | None:
        row = (
            (await self.session.execute(sa.select(orm.plans).where(orm.plans.c.plan_id == plan_id))).mappings().first()
        )
        if row is None:
            return None
        kinds = {k: (Decimal(v) if v is not None else None) for k, v in row["kinds"].items()}
        return PlanSettings(
            row["plan_id"],
            row["year"],
            list(row["veto_categories"]),
            kinds,
            row["discipline_points"],
            row["appeal_window_days"],
        )

    async def save(self, settings: PlanSettings) -> None:
        values = {
            "year": settings.year,
            "veto_categories": list(settings.veto_categories),
            "kinds": {k: (str(v) if v is not None else None) for k, v in settings.kinds.items()},
            "discipline_points": settings.discipline_points,
            "appeal_window_days": settings.appeal_window_days,
            "updated_at": sa.func.now(),
        }
        stmt = insert(orm.plans).values(plan_id=settings.plan_id, **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["plan_id"], set_=values))


class SqlAlchemyUnits(AbstractUnits):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ids(self, plan_id: str) -> set[str]:
        q = sa.select(orm.units.c.id).where(orm.units.c.plan_id == plan_id)
        return set((await self.session.execute(q)).scalars())

    async def upsert(self, units: list[Unit]) -> int:
        changed = 0
        for start in range(0, len(units), 1000):  # stay far below the driver's parameter limit
            stmt = insert(orm.units).values(
                [
                    {"plan_id": u.plan_id, "id": u.id, "name": u.name, "kind": u.kind}
                    for u in units[start : start + 1000]
                ]
            )
            t = orm.units.c
            stmt = stmt.on_conflict_do_update(
                index_elements=["plan_id", "id"],
                set_={"name": stmt.excluded.name, "kind": stmt.excluded.kind},
                where=sa.or_(t.name != stmt.excluded.name, t.kind != stmt.excluded.kind),
            )
            changed += (await self.session.execute(stmt)).rowcount or 0
        return changed


class SqlAlchemyEvidenceStore(AbstractEvidenceStore):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, plan_id: str, evidence: Evidence, content: bytes) -> None:
        await self.session.execute(
            sa.insert(orm.evidence).values(plan_id=plan_id, content=content, **dataclasses.asdict(evidence))
        )

    async def get(self, plan_id: str, evidence_id: str) -> tuple[Evidence, bytes] | None:
        e = orm.evidence.c
        row = (
            (
                await self.session.execute(
                    sa.select(e.id, e.finding_id, e.filename, e.content_type, e.size, e.sha256, e.content).where(
                        e.plan_id == plan_id, e.id == evidence_id
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        data = dict(row)
        content = data.pop("content")
        return Evidence(**data), content


class SqlAlchemyAuditLog(AbstractAuditLog):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entries: list[AuditEntry]) -> None:
        if not entries:
            return
        rows = []
        for e in entries:
            row = {
                "actor": e.actor,
                "action": e.action,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
                "plan_id": e.plan_id,
                "before": e.before,
                "after": e.after,
                "trace_id": e.trace_id,
                "reason": e.reason,
            }
            if e.at is not None:
                row["at"] = e.at
            rows.append(row)
        await self.session.execute(sa.insert(orm.audit_log), rows)

    async def list(
        self, plan_id: str, f: ListFilter = ANY, *, limit: int | None = None, offset: int = 0
    ) -> list[AuditEntry]:
        t = orm.audit_log.c
        q = sa.select(orm.audit_log).where(t.plan_id == plan_id)
        if f.entity_type:
            q = q.where(t.entity_type == f.entity_type)
        if f.entity_id:
            q = q.where(t.entity_id == f.entity_id)
        q = q.order_by(t.id)
        if limit is not None:
            q = q.limit(limit).offset(offset)
        return [AuditEntry(**r) for r in (await self.session.execute(q)).mappings()]

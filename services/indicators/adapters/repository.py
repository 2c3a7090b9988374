"""Repositories: one generic SQLAlchemy repository mapping a table's rows to a domain dataclass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, Generic, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
_CHUNK = 500


class AbstractRepository(Protocol[T]):
    """What handlers use: by key, by equality filters (None = no filter; a set, frozenset or tuple
    = any of its values), upsert."""

    async def get(self, *key: Any, for_update: bool = False) -> T | None: ...

    async def find(self, *, limit: int | None = None, offset: int = 0, **where: Any) -> list[T]: ...

    async def count(self, **where: Any) -> int: ...

    async def save(self, obj: T) -> None: ...

    async def save_many(self, objs: Sequence[T]) -> None: ...

    async def delete(self, *key: Any) -> bool: ...


class AbstractEvidenceRepository(AbstractRepository[T], Protocol[T]):
    """Evidence rows, plus listings without the file bytes."""

    async def find_meta(self, **where: Any) -> list[T]: ...


class SqlAlchemyRepository(Generic[T]):
    """Rows of `table` as instances of `cls` (column names = field names), ordered by primary key."""

    def __init__(self, session: AsyncSession, table: sa.Table, cls: type[T]) -> None:
        self.session = session
        self.table = table
        self.cls = cls
        self.key = list(table.primary_key.columns)
        self.names = [f.name for f in fields(cls)]

    async def get(self, *key: Any, for_update: bool = False) -> T | None:
        q = sa.select(self.table).where(*(c == v for c, v in zip(self.key, key, strict=True)))
        if for_update:
            q = q.with_for_update()
        row = (await self.session.execute(q)).first()
        return None if row is None else self.cls(**row._mapping)

    def _where(self, where: dict[str, Any]) -> list:
        return [
            self.table.c[k].in_(sorted(v)) if isinstance(v, set | frozenset | tuple) else self.table.c[k] == v
            for k, v in where.items()
            if v is not None
        ]

    async def find(self, *, limit: int | None = None, offset: int = 0, **where: Any) -> list[T]:
        q = sa.select(self.table).where(*self._where(where)).order_by(*self.key).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return [self.cls(**row._mapping) for row in (await self.session.execute(q)).all()]

    async def count(self, **where: Any) -> int:
        q = sa.select(sa.func.count()).select_from(self.table).where(*self._where(where))
        return int((await self.session.execute(q)).scalar_one())

    async def save(self, obj: T) -> None:
        await self.save_many([obj])

    async def delete(self, *key: Any) -> bool:
        """Remove the row with this primary key; False when there was none."""
        q = sa.delete(self.table).where(*(c == v for c, v in zip(self.key, key, strict=True)))
        return (await self.session.execute(q)).rowcount > 0

    async def save_many(self, objs: Sequence[T]) -> None:
        """Insert or update (by primary key), in chunks."""
        keys = [c.name for c in self.key]
        for start in range(0, len(objs), _CHUNK):
            rows = [{n: getattr(o, n) for n in self.names} for o in objs[start : start + _CHUNK]]
            stmt = pg_insert(self.table).values(rows)
            rest = {n: stmt.excluded[n] for n in self.names if n not in keys}
            await self.session.execute(
                stmt.on_conflict_do_update(index_elements=keys, set_=rest) if rest else stmt.on_conflict_do_nothing()
            )


class SqlAlchemyEvidenceRepository(SqlAlchemyRepository[T]):
    """Evidence rows; listings leave the file bytes (`data`) in the database."""

    async def find_meta(self, **where: Any) -> list[T]:
        columns = [c for c in self.table.columns if c.name != "data"]
        q = sa.select(*columns).where(*self._where(where)).order_by(*self.key)
        return [self.cls(**row._mapping) for row in (await self.session.execute(q)).all()]

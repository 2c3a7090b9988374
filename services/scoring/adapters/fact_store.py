"""Writing source facts: latest version wins, a whole batch at a time.

A `FactWrite` is what one source event asks of a fact table. `store_writes` applies a batch of them
with one `INSERT … ON CONFLICT DO UPDATE … WHERE stored.version < new.version` per kind of write
(SQLAlchemy's insertmanyvalues sends it as multi-row statements of up to 1,000 rows), instead of one
statement per event: a consumer batch or a snapshot chunk of 500 envelopes costs a few round trips.

The result is the one applying the writes one by one in batch order gives (an integration test
compares the two on random histories): for a key written more than once only the highest version
can last (the first of equal ones, as `version <` keeps the stored one), so only it is sent; a
key written by events of different kinds (recorded, revoked, recorded again) keeps their order
(`layers`); an older full record that meets a newer partial row (a revocation or lift seen first)
fills in its details afterwards — the first such record of its run, as one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters import orm

FACTS: dict[str, sa.Table] = {t.name: t for t in orm.FACT_TABLES}  # plans, units, targets, results, ...
FILLS = ("deductions", "vetoes")  # facts whose full record may arrive after a newer partial one


@dataclass(frozen=True)
class FactWrite:
    """One event's write to a fact table: insert, or replace the stored row if this version is
    newer (only the `update` columns, if given); `fill`: if the stored row is newer, add the
    details it lacks (an older DeductionRecorded/VetoIssued after its revocation/lift)."""

    fact: str
    values: dict[str, Any]
    update: tuple[str, ...] | None = None
    fill: bool = False

    def key(self) -> tuple[Any, ...]:
        return tuple(self.values[c.name] for c in FACTS[self.fact].primary_key.columns)


Kind = tuple[Any, ...]  # (fact, update, columns): writes of one kind share one statement
Group = dict[tuple[Any, ...], list[int]]  # key → indexes of that key's writes of one kind


def layers(writes: Sequence[FactWrite]) -> list[dict[Kind, Group]]:
    """The writes' indexes in layers that keep each key's order: a key's writes are cut into runs
    of one kind (in batch order) and its n-th run goes to layer n; within a layer a key appears once,
    so its writes can be sent grouped by kind (one statement each)."""
    runs: dict[tuple[str, tuple[Any, ...]], list[tuple[Kind, list[int]]]] = {}
    for i, w in enumerate(writes):
        kind = (w.fact, w.update, tuple(w.values))
        mine = runs.setdefault((w.fact, w.key()), [])
        if mine and mine[-1][0] == kind:
            mine[-1][1].append(i)
        else:
            mine.append((kind, [i]))
    out: list[dict[Kind, Group]] = []
    for (_, key), mine in runs.items():
        for depth, (kind, indexes) in enumerate(mine):
            if depth == len(out):
                out.append({})
            out[depth].setdefault(kind, {})[key] = indexes
    return out


def _winner(writes: Sequence[FactWrite], indexes: list[int]) -> int:
    """The write that lasts of several to one key: the highest version, the first of equal ones."""
    return max(indexes, key=lambda i: (writes[i].values["version"], -i))


@lru_cache(maxsize=256)
def _upsert(fact: str, columns: tuple[str, ...], update: tuple[str, ...] | None) -> sa.Insert:
    """The upsert statement of one kind of write (cached: SQLAlchemy compiles it once)."""
    table = FACTS[fact]
    keys = [c.name for c in table.primary_key.columns]
    stmt = pg_insert(table)
    cols = list(update) if update is not None else [c for c in columns if c not in keys]
    set_: dict[str, Any] = {c: stmt.excluded[c] for c in cols}
    if "updated_at" in table.c:
        set_["updated_at"] = sa.func.now()  # on insert its server default
    return stmt.on_conflict_do_update(
        index_elements=keys, set_=set_, where=table.c.version < stmt.excluded.version
    ).returning(*table.primary_key.columns)


async def store_writes(session: AsyncSession, writes: Sequence[FactWrite]) -> list[bool]:
    """Apply the writes (see the module's doc); True for each write that changed a stored row."""
    changed = [False] * len(writes)
    for layer in layers(writes):
        fills: list[int] = []
        for group in layer.values():
            win = {key: _winner(writes, indexes) for key, indexes in group.items()}
            first = writes[next(iter(win.values()))]
            stmt = _upsert(first.fact, tuple(first.values), first.update)
            done = {tuple(r) for r in await session.execute(stmt, [writes[i].values for i in win.values()])}
            for key, indexes in group.items():
                if key in done:
                    changed[win[key]] = True
                else:  # every write of the run is older than the stored row: the first may fill it in
                    fills += [i for i in indexes if writes[i].fill]
        fills.sort()
        for i in await _fill(session, [writes[i] for i in fills], fills):
            changed[i] = True
    return changed


async def _fill(session: AsyncSession, writes: list[FactWrite], index: list[int]) -> list[int]:
    """Fill in the details of stored partial rows (revoked/lifted before their record arrived);
    returns the indexes of the writes that filled one. The first write of a key (in batch order)
    fills it, as one by one. One look-up for all, an update per row found (rare: only records
    delivered after their revocation or lift)."""
    filled: list[int] = []
    for fact in FILLS:
        mine = [(w, i) for w, i in zip(writes, index, strict=True) if w.fact == fact]
        if not mine:
            continue
        t = FACTS[fact]
        keys = list(t.primary_key.columns)
        partial = t.c.recorded.is_(False) if fact == "deductions" else t.c.category.is_(None)
        wanted = [w.key() for w, _ in mine]
        found = await session.execute(sa.select(*keys).where(sa.tuple_(*keys).in_(wanted), partial))
        lacking = {tuple(r) for r in found}
        for w, i in mine:
            if w.key() in lacking:
                await session.execute(
                    sa.update(t)
                    .where(*(c == v for c, v in zip(keys, w.key(), strict=True)))
                    .values(**_details(fact, w.values))
                )
                lacking.discard(w.key())  # a second write of the same key finds it filled
                filled.append(i)
    return filled


def _details(fact: str, values: dict[str, Any]) -> dict[str, Any]:
    """The columns a full record adds to a partial row."""
    if fact == "deductions":
        names = ("kind", "points", "date", "aspect", "person", "inspection_id")
        return {"recorded": True, **{c: values.get(c) for c in names}}
    return {c: values[c] for c in ("category", "date", "document")}

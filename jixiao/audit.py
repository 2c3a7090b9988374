"""The tamper-evident audit trail: one append-only hash chain per service.

Each row holds time, actor and role, action, entity, before/after (personal data masked), the
trace id, and `prev_hash`/`hash`: hash = SHA-256(prev_hash + canonical JSON of the row's other
fields). Editing, deleting or inserting a row out of order breaks the chain at that row, which
`verify_rows` (and `jixiao audit verify`, over every service's schema) names. Rows are appended
under a per-chain advisory lock inside the caller's transaction, so the chain is as atomic as the
state change it records. In production the services' role may only INSERT and SELECT it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

TABLE = "audit_chain"  # `audit_log` is already inspections' own (plan-scoped) trail
GENESIS = "0" * 64
PERSONAL = frozenset(
    {
        "phone",
        "phone_number",
        "mobile",
        "contact",
        "address",
        "id_number",
        "respondent_name",
        "name_of_respondent",
        "email",
    }
)
_MASK = "***"


def audit_table(metadata: sa.MetaData) -> sa.Table:
    """Declare the chain table in a service's MetaData (without a schema: the search_path decides)."""
    return sa.Table(
        TABLE,
        metadata,
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("entity_type", sa.Text, nullable=False),
        sa.Column("entity_id", sa.Text, nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
        sa.Column("trace_id", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )


def create_audit_table(op, *, app_role: str | None = None) -> None:
    """For a service's migration: create the chain table; with `app_role`, that role may only
    INSERT and SELECT it (run as the owner in production)."""
    audit_table(sa.MetaData()).create(op.get_bind(), checkfirst=True)
    if app_role:
        op.execute(sa.text(f'REVOKE ALL ON {TABLE} FROM "{app_role}"'))
        op.execute(sa.text(f'GRANT INSERT, SELECT ON {TABLE} TO "{app_role}"'))


def mask(value: Any) -> Any:
    """A copy of `value` with personal fields (phone numbers, addresses, ...) masked."""
    if isinstance(value, Mapping):
        return {k: (_MASK if str(k).lower() in PERSONAL and v is not None else mask(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    return value


def _json(value: Any) -> str | None:
    if value is None:
        return None

    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return format(o, "f")
        if isinstance(o, dt.date | dt.datetime):
            return o.isoformat()
        raise TypeError(f"not JSON: {type(o).__name__}")

    return json.dumps(mask(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default)


_FIELDS = ("at", "actor", "role", "action", "entity_type", "entity_id", "before", "after", "trace_id")


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the row's canonical JSON (every field but seq and hashes)."""
    fields = {k: row[k] for k in _FIELDS}
    at = fields["at"]
    fields["at"] = at.astimezone(dt.UTC).isoformat(timespec="microseconds") if isinstance(at, dt.datetime) else at
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _lock_key(table: sa.Table) -> int:
    return zlib.crc32(f"audit:{table.name}".encode())


async def append(
    session: AsyncSession | AsyncConnection,
    table: sa.Table,
    *,
    actor: str,
    role: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any = None,
    after: Any = None,
    trace_id: str = "",
    now: dt.datetime | None = None,
) -> str:
    """Append one row to the chain inside the caller's transaction; returns its hash."""
    (digest,) = await append_many(
        session,
        table,
        [
            dict(
                actor=actor,
                role=role,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                before=before,
                after=after,
                trace_id=trace_id,
            )
        ],
        now=now,
    )
    return digest


async def append_many(
    session: AsyncSession | AsyncConnection,
    table: sa.Table,
    entries: list[dict[str, Any]],
    *,
    now: dt.datetime | None = None,
) -> list[str]:
    """Append rows (append()'s keyword arguments, each) to the chain in order, under one lock, with
    one look-up of the chain's head and one insert; returns their hashes."""
    if not entries:
        return []
    await session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(table)})
    prev = (await session.execute(sa.select(table.c.hash).order_by(table.c.seq.desc()).limit(1))).scalar()
    prev = prev or GENESIS
    rows, hashes = [], []
    for entry in entries:
        row = {
            "at": now or dt.datetime.now(dt.UTC),
            "actor": entry["actor"][:200],
            "role": entry["role"][:50],
            "action": entry["action"][:100],
            "entity_type": entry["entity_type"][:100],
            "entity_id": entry["entity_id"][:200],
            "before": _json(entry.get("before")),
            "after": _json(entry.get("after")),
            "trace_id": entry.get("trace_id", "")[:64],
        }
        digest = row_hash(prev, row)
        rows.append({**row, "prev_hash": prev, "hash": digest})
        hashes.append(digest)
        prev = digest
    if len(rows) == 1:
        await session.execute(sa.insert(table).values(**rows[0]))
    else:
        await session.execute(sa.insert(table), rows)  # executemany keeps the order: seq follows the chain
    return hashes


@dataclass(frozen=True)
class Broken:
    """Where a chain stops being what was written: the row's seq and what is wrong with it."""

    seq: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.seq}: {self.reason}"


def verify_rows(rows: Iterable[Mapping[str, Any]]) -> Broken | None:
    """The first row (by seq) that breaks the chain, or None when every row is intact."""
    prev = GENESIS
    last_seq = 0
    for row in rows:
        seq = int(row["seq"])
        if seq <= last_seq:
            return Broken(seq, "out of order")
        if row["prev_hash"] != prev:
            return Broken(seq, "does not follow the row before it (a row was deleted or inserted)")
        if row_hash(prev, row) != row["hash"]:
            return Broken(seq, "its content does not match its hash (edited)")
        prev, last_seq = row["hash"], seq
    return None


async def verify_schema(conn: AsyncConnection, schema: str) -> tuple[int, Broken | None] | None:
    """Verify the chain of one service's schema: (rows, first break), or None when it has no chain."""
    if (await conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": f'"{schema}".{TABLE}'})).scalar() is None:
        return None
    table = audit_table(sa.MetaData(schema=schema))
    rows = [dict(r._mapping) for r in await conn.execute(sa.select(table).order_by(table.c.seq))]
    return len(rows), verify_rows(rows)


SNAPSHOTS = "snapshots"  # graded snapshots (scoring): results_json and its results_sha256
CLOSED = "period.closed"  # the chain's row of a new graded snapshot, carrying its results_sha256


def snapshot_sha256(results_json: str) -> str:
    """The hash of a stored results document as closing computed it: SHA-256 of its canonical
    exact JSON (`exactjson.dumps`, compact, UTF-8)."""
    from jixiao.rules import exactjson

    return hashlib.sha256(exactjson.dumps(exactjson.loads(results_json)).encode("utf-8")).hexdigest()


async def verify_snapshots(conn: AsyncConnection, schema: str) -> tuple[int, list[str]] | None:
    """Recompute every graded snapshot's hash in one service's schema: (snapshots, problems), each
    problem naming plan/period/version whose content no longer matches its stored hash, or the hash
    its close recorded in the audit chain; None when the schema keeps no graded snapshots."""
    found = await conn.execute(
        sa.text(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = :s AND table_name = :t "
            "AND column_name = 'results_sha256'"
        ),
        {"s": schema, "t": SNAPSHOTS},
    )
    if found.first() is None:
        return None
    recorded: dict[str, str] = {}
    if (await conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": f'"{schema}".{TABLE}'})).scalar() is not None:
        chain = audit_table(sa.MetaData(schema=schema))
        q = sa.select(chain.c.entity_id, chain.c.after).where(chain.c.action == CLOSED).order_by(chain.c.seq)
        for entity_id, after in await conn.execute(q):
            digest = json.loads(after or "{}").get("results_sha256") if after else None
            if digest:
                recorded[entity_id] = digest
    problems: list[str] = []
    count = 0
    rows = await conn.stream(
        sa.text(
            f'SELECT plan_id, period, version, results_json, results_sha256 FROM "{schema}".{SNAPSHOTS} '
            "ORDER BY plan_id, period, version"
        )
    )
    async for plan_id, period, version, results_json, stored in rows:
        count += 1
        name = f"{plan_id}/{period}/v{version}"
        try:
            actual = snapshot_sha256(results_json)
        except ValueError as exc:
            problems.append(f"graded snapshot {name}: its content is not valid JSON ({str(exc)[:100]})")
            continue
        if actual != stored:
            problems.append(f"graded snapshot {name}: its content does not match its hash (edited)")
        elif name in recorded and recorded[name] != stored:
            problems.append(f"graded snapshot {name}: its hash is not the one its close recorded in the audit chain")
    return count, problems

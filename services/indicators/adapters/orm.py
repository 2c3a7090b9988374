"""The indicators schema: SQLAlchemy tables (no schema name: the search_path is `indicators`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from jixiao.messaging.outbox import messaging_tables
from jixiao.rules import exactjson

metadata = sa.MetaData()
messaging = messaging_tables(metadata)


class ExactJSON(TypeDecorator):
    """JSON text with Decimals kept exact both ways (the driver's JSON would go through floats)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else exactjson.dumps(value)

    def process_result_value(self, value, dialect):
        return None if value is None else exactjson.loads(value)


def _id(name: str = "id", length: int = 100) -> sa.Column:
    return sa.Column(name, sa.String(length), primary_key=True)


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


plans = sa.Table(
    "plans",
    metadata,
    _id(),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("body", ExactJSON, nullable=False),
    sa.Column("indicators", ExactJSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    _ts("published_at"),
    sa.Column("event_id", sa.String(36)),
)

plan_versions = sa.Table(
    "plan_versions",
    metadata,
    _id("plan_id"),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("body", ExactJSON, nullable=False),
    sa.Column("indicators", ExactJSON, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    _ts("published_at", nullable=False),
    sa.Column("event_id", sa.String(36)),
)

units = sa.Table(
    "units",
    metadata,
    _id("plan_id"),
    _id(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("group", sa.String(100)),
    sa.Column("parent", sa.String(100)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("event_id", sa.String(36)),
)

targets = sa.Table(
    "targets",
    metadata,
    _id("plan_id"),
    _id("unit_id"),
    _id("indicator_id"),
    sa.Column("target", sa.Numeric, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("event_id", sa.String(36)),
)

results = sa.Table(
    "results",
    metadata,
    _id(length=36),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("indicator_id", sa.String(100), nullable=False),
    sa.Column("part", sa.String(100), nullable=False),
    sa.Column("period", sa.String(4), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reported", ExactJSON),
    sa.Column("comment", sa.Text),
    sa.Column("confirmed", ExactJSON),
    sa.Column("confirmed_version", sa.Integer, nullable=False),
    sa.Column("confirmed_by", sa.String(200)),
    _ts("confirmed_at"),
    sa.Column("review_note", sa.Text),
    sa.Column("revision", sa.Integer, nullable=False),
    _ts("updated_at"),
    sa.Column("event_id", sa.String(36)),
    sa.Column("import_count", sa.Integer, nullable=False),
    sa.Column("import_digest", sa.String(64)),
    sa.UniqueConstraint("plan_id", "unit_id", "indicator_id", "part", "period", name="uq_results_key"),
    sa.Index("ix_results_plan_period", "plan_id", "period"),
)

result_entries = sa.Table(
    "result_entries",
    metadata,
    _id("result_id", 36),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("action", sa.String(20), nullable=False),
    _ts("at", nullable=False),
    sa.Column("value", ExactJSON),
    sa.Column("actor", sa.String(200)),
    sa.Column("reason", sa.Text),
    sa.Column("import_seq", sa.Integer),
    sa.Column("digest", sa.String(64)),
)

periods = sa.Table(
    "periods",
    metadata,
    _id("plan_id"),
    _id("period", 4),
    _ts("closed_at", nullable=False),
    sa.Column("closed_by", sa.String(200), nullable=False),
    sa.Column("event_id", sa.String(36)),
)

tasks = sa.Table(
    "tasks",
    metadata,
    _id(length=36),
    sa.Column("plan_id", sa.String(100), nullable=False, index=True),
    sa.Column("indicator_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("quantity", sa.Numeric, nullable=False),
    sa.Column("unit_of_measure", sa.String(50), nullable=False),
    sa.Column("deadline", sa.Date, nullable=False),
    # the responsibility chain: JSON lists of {staff_id, name}
    sa.Column("lead", ExactJSON),
    sa.Column("deputy", ExactJSON),
    sa.Column("head", ExactJSON),
    sa.Column("handlers", ExactJSON, nullable=False),
    sa.Column("progress", ExactJSON, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("measures", sa.Text),
    sa.Column("expected_effects", sa.Text),
    sa.Column("cadence", sa.String(20)),
    sa.Column("reporting_from", sa.Date),
)

# The staff register of inspections (StaffMemberUpserted/Removed), latest version wins (0007).
staff = sa.Table(
    "staff",
    metadata,
    _id("plan_id"),
    _id(),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("removed", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

self_reports = sa.Table(
    "self_reports",
    metadata,
    _id("plan_id"),
    _id("unit_id"),
    _id("period", 4),
    sa.Column("text", sa.Text, nullable=False),
    _ts("submitted_at", nullable=False),
    sa.Column("deadline", sa.Date),
    sa.Column("late", sa.Boolean, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
)

evidence = sa.Table(
    "evidence",
    metadata,
    _id(length=36),
    sa.Column("result_id", sa.String(36), nullable=False, index=True),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("content_type", sa.String(200), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    _ts("uploaded_at", nullable=False),
    sa.Column("data", sa.LargeBinary),
    sa.Column("path", sa.Text),
    sa.Column("uploaded_by", sa.String(200)),
    sa.Column("note", sa.Text),
)

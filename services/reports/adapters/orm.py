"""Tables of the reports schema (declared without a schema: the search_path is `reports`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from jixiao.audit import audit_table
from jixiao.messaging.outbox import messaging_tables

metadata = sa.MetaData()
tables = messaging_tables(metadata)

TOTAL = sa.Numeric(14, 2)


def _score_columns() -> list[sa.Column]:
    return [
        sa.Column("group_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", TOTAL),
        sa.Column("grade", sa.String(100)),
        sa.Column("rank", sa.Integer),
        sa.Column("vetoed", sa.Boolean, nullable=False),
        sa.Column("award_eligible", sa.Boolean, nullable=False),
        sa.Column("components", JSONB, nullable=False),  # {key: "decimal string"}
        sa.Column("survey_se", TOTAL),
        sa.Column("missing", JSONB, nullable=False),
    ]


# (plan, period) known to the read model, and the graded snapshot shown for it.
periods = sa.Table(
    "periods",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(20), primary_key=True),
    sa.Column("current_snapshot", sa.BigInteger),
    sa.Column("graded_at", sa.DateTime(timezone=True)),
    sa.Column("closed_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

# Latest provisional score per unit (UnitScoreUpdated; latest version wins).
provisional_scores = sa.Table(
    "provisional_scores",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(20), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    *_score_columns(),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
)

# Graded snapshots: header (PeriodGraded) and rows (UnitScoreGraded), immutable once written.
snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(20), primary_key=True),
    sa.Column("snapshot_version", sa.BigInteger, primary_key=True),
    sa.Column("expected_units", sa.Integer),  # NULL until PeriodGraded arrived
    sa.Column("closed_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("graded_at", sa.DateTime(timezone=True)),
    sa.Column("complete", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("sha256", sa.String(64), nullable=False, server_default=""),  # scoring's snapshot_sha256
    sa.Column("objection_ids", sa.Text, nullable=False, server_default="[]"),  # JSON: the objections it followed
)

graded_scores = sa.Table(
    "graded_scores",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(20), primary_key=True),
    sa.Column("snapshot_version", sa.BigInteger, primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    *_score_columns(),
)

# The explicit override of PUT /v1/plans/{id}/labels (wins over what the events taught).
plan_labels = sa.Table(
    "plan_labels",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("grades", sa.JSON, nullable=False),  # {code: label}; json keeps the band order
    sa.Column("units", JSONB, nullable=False),  # {unit id: name}
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

# Learned from jixiao.indicators.v1 (migration 0002): grade labels of PlanPublished, names of
# UnitUpserted; latest version wins (domain.rules.supersedes).
plan_grades = sa.Table(
    "plan_grades",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("grades", sa.JSON, nullable=False),  # {code: label}, best band first
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

unit_names = sa.Table(
    "unit_names",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),  # "" = no name (the unit id is shown)
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

# Migration 0004: the plan's info (name, group names, components, awards, notice period) beside its
# grade labels; vetoes (category, date) from jixiao.inspections.v1; frozen public notices (公示);
# objections (异议) and the audit trail of what people did here.
plan_grades.append_column(sa.Column("info", sa.JSON))  # PlanInfo as plain JSON; NULL before 0004

vetoes = sa.Table(
    "vetoes",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("veto_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("category", sa.String(100), nullable=False),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("lifted", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

notices = sa.Table(
    "notices",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(20), primary_key=True),
    sa.Column("snapshot_version", sa.BigInteger, primary_key=True),
    sa.Column("content", sa.Text, nullable=False),  # canonical JSON, never rewritten
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
)

objections = sa.Table(
    "objections",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("snapshot_version", sa.BigInteger, nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("filed_by", sa.String(200), nullable=False),
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer", sa.Text, nullable=False, server_default=""),
    sa.Column("answered_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("answered_at", sa.DateTime(timezone=True)),
    sa.Index("ix_objections_notice", "plan_id", "period", "snapshot_version"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("object_id", sa.String(200), nullable=False),
    sa.Column("detail", JSONB, nullable=False),
)

# Migration 0008: the tamper-evident hash chain (jixiao.audit) every audited change is appended to too.
audit_chain = audit_table(metadata)

# Migration 0006: each person's eligibility for excellence (评优资格) per graded snapshot
# (PersonEligibilityGraded from jixiao.scores.v1), for the year-end cadre assessment list.
person_eligibility = sa.Table(
    "person_eligibility",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(20), primary_key=True),
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("staff_id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("eligible", sa.Boolean, nullable=False),
    sa.Column("entry", sa.JSON, nullable=False),
)

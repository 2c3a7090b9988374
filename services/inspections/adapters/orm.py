"""The inspections schema: SQLAlchemy Core tables (no schema name: the search_path is `inspections`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from jixiao.messaging.outbox import messaging_tables

metadata = sa.MetaData()
messaging = messaging_tables(metadata)


def _now() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


plans = sa.Table(
    "plans",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("veto_categories", JSONB, nullable=False),
    sa.Column("kinds", JSONB, nullable=False),  # {kind: cap as text | null}
    sa.Column("discipline_points", sa.Numeric, nullable=False),
    sa.Column("appeal_window_days", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("kind", sa.String(100), nullable=False, server_default=""),
)

deductions = sa.Table(
    "deductions",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("points", sa.Numeric, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("aspect", sa.String(50), nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("source", sa.String(50), nullable=False),
    sa.Column("source_ref", sa.String(200), nullable=False, server_default=""),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("revoke_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("recorded_version", sa.Integer, nullable=False),
    sa.Column("recorded_envelope", sa.LargeBinary, nullable=False),
    sa.Column("revoked_envelope", sa.LargeBinary, nullable=False),
    _now(),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    # a discipline deduction of one person: their staff id ("" for the unit's own deductions)
    sa.Column("person", sa.String(100), nullable=False, server_default=""),
    sa.CheckConstraint("points > 0", name="ck_deductions_points_positive"),
    sa.Index("ix_deductions_unit", "plan_id", "unit_id", "kind"),
    sa.Index("ix_deductions_date", "plan_id", "date"),
)

vetoes = sa.Table(
    "vetoes",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("category", sa.String(100), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("document", sa.String(300), nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("lift_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("issued_version", sa.Integer, nullable=False),
    sa.Column("issued_envelope", sa.LargeBinary, nullable=False),
    sa.Column("lifted_envelope", sa.LargeBinary, nullable=False),
    _now(),
    sa.Column("lifted_at", sa.DateTime(timezone=True)),
    sa.Index("ix_vetoes_unit", "plan_id", "unit_id"),
)

appeals = sa.Table(
    "appeals",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("deduction_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("filed_by", sa.String(200), nullable=False),
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("decision", sa.String(30), nullable=False, server_default=""),
    sa.Column("decision_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("decided_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    # one open appeal per deduction, enforced by the database too
    sa.Index("ux_appeals_open", "plan_id", "deduction_id", unique=True, postgresql_where=sa.text("status = 'open'")),
    sa.Index("ix_appeals_deduction", "plan_id", "deduction_id"),
)

inspections = sa.Table(
    "inspections",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("mode", sa.String(20), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("inspectors", JSONB, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
    _now(),
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),  # the ETag (0002)
    sa.Index("ix_inspections_unit", "plan_id", "unit_id", "date"),
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("inspection_id", sa.String(100), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("aspect", sa.String(50), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("proposed_points", sa.Numeric),
    sa.Column("deduction_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),  # the ETag (0002)
    sa.Index("ix_findings_inspection", "plan_id", "inspection_id"),
)

evidence = sa.Table(
    "evidence",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("finding_id", sa.String(100), nullable=False),
    sa.Column("filename", sa.String(300), nullable=False),
    sa.Column("content_type", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    _now(),
    sa.Index("ix_evidence_finding", "plan_id", "finding_id"),
)

absences = sa.Table(
    "absences",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("person", sa.String(200), nullable=False),
    sa.Column("activity", sa.String(30), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("excused", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("deduction_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("person_id", sa.String(100), nullable=False, server_default=""),  # staff id (0005)
    # (0007) the leave whose covering day excused it ("" : not excused, or by the office), and a version
    sa.Column("excused_by_leave", sa.String(100), nullable=False, server_default=""),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Index("ix_absences_unit", "plan_id", "unit_id", "person"),
)

leaves = sa.Table(
    "leaves",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("person", sa.String(200), nullable=False),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("type", sa.String(30), nullable=False, server_default="personal"),  # leave type (0005)
    sa.Column("person_id", sa.String(100), nullable=False, server_default=""),  # staff id (0005)
    sa.Column("approval", sa.String(20), nullable=False, server_default=""),  # 三级审批 (0005)
    sa.Column("approvals", JSONB, nullable=False, server_default="[]"),
    sa.CheckConstraint('"end" >= start', name="ck_leaves_order"),
    sa.Index("ix_leaves_unit", "plan_id", "unit_id", "person"),
)

# The staff register (0005): names are personal data, masked in audit rows, never logged.
staff = sa.Table(
    "staff",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("position", sa.String(200), nullable=False, server_default=""),
    sa.Column("roles", JSONB, nullable=False),
    sa.Column("oversees", JSONB, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    _now(),
    sa.Index("ix_staff_unit", "plan_id", "unit_id"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("entity_type", sa.String(50), nullable=False),
    sa.Column("entity_id", sa.String(200), nullable=False),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("before", JSONB),
    sa.Column("after", JSONB),
    sa.Column("trace_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),  # why (0002)
    sa.Index("ix_audit_entity", "plan_id", "entity_type", "entity_id"),
)

"""Plan info beside the grade labels, vetoes from inspections, frozen public notices (公示),
objections (异议) and the reports audit trail.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plan_grades", sa.Column("info", sa.JSON))
    op.create_table(
        "vetoes",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("veto_id", sa.String(100), primary_key=True),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("lifted", sa.Boolean, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("snapshot_version", sa.BigInteger, primary_key=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
    )
    op.create_table(
        "objections",
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
    )
    op.create_index("ix_objections_notice", "objections", ["plan_id", "period", "snapshot_version"])
    op.create_table(
        "audit",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False),
        sa.Column("detail", JSONB, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_index("ix_objections_notice", "objections")
    op.drop_table("objections")
    op.drop_table("notices")
    op.drop_table("vetoes")
    op.drop_column("plan_grades", "info")

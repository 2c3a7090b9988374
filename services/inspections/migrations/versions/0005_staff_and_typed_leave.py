"""people: the staff register, a type, a staff id and approvals on leaves, a staff id on absences

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.String(200), nullable=False, server_default=""),
        sa.Column("roles", JSONB, nullable=False),
        sa.Column("oversees", JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_staff_unit", "staff", ["plan_id", "unit_id"])
    # Leaves recorded before types existed were counted against the 15/30-day limits: they stay
    # counted (事假) until the office corrects their type.
    op.add_column("leaves", sa.Column("type", sa.String(30), server_default="personal", nullable=False))
    op.add_column("leaves", sa.Column("person_id", sa.String(100), server_default="", nullable=False))
    op.add_column("absences", sa.Column("person_id", sa.String(100), server_default="", nullable=False))
    # the leave form's approval chain (请假单三级审批): "" for leave recorded without a form
    op.add_column("leaves", sa.Column("approval", sa.String(20), server_default="", nullable=False))
    op.add_column("leaves", sa.Column("approvals", JSONB, server_default="[]", nullable=False))


def downgrade() -> None:
    op.drop_column("leaves", "approvals")
    op.drop_column("leaves", "approval")
    op.drop_column("absences", "person_id")
    op.drop_column("leaves", "person_id")
    op.drop_column("leaves", "type")
    op.drop_index("ix_staff_unit", table_name="staff")
    op.drop_table("staff")

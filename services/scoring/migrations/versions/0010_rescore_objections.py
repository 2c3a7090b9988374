"""objections (异议, reports' ids) a re-score or close names, and the snapshot version that followed them

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rescore_objections",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("period", sa.String(4), primary_key=True),
        sa.Column("objection_id", sa.String(100), primary_key=True),
        sa.Column("named_by", sa.String(200), nullable=False),
        sa.Column("named_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("snapshot_version", sa.BigInteger),
    )


def downgrade() -> None:
    op.drop_table("rescore_objections")

"""The reports read model: periods, provisional scores, graded snapshots, plan labels.

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from jixiao.messaging.outbox import create_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _score_columns() -> list[sa.Column]:
    return [
        sa.Column("group_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", sa.Numeric(14, 2)),
        sa.Column("grade", sa.String(100)),
        sa.Column("rank", sa.Integer),
        sa.Column("vetoed", sa.Boolean, nullable=False),
        sa.Column("award_eligible", sa.Boolean, nullable=False),
        sa.Column("components", JSONB, nullable=False),
        sa.Column("survey_se", sa.Numeric(14, 2)),
        sa.Column("missing", JSONB, nullable=False),
    ]


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "periods",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("current_snapshot", sa.BigInteger),
        sa.Column("graded_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "provisional_scores",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("unit_id", sa.String(100), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        *_score_columns(),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("snapshot_version", sa.BigInteger, primary_key=True),
        sa.Column("expected_units", sa.Integer),
        sa.Column("closed_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("graded_at", sa.DateTime(timezone=True)),
        sa.Column("complete", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "graded_scores",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("snapshot_version", sa.BigInteger, primary_key=True),
        sa.Column("unit_id", sa.String(100), primary_key=True),
        *_score_columns(),
    )
    op.create_table(
        "plan_labels",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("grades", sa.JSON, nullable=False),
        sa.Column("units", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    for table in ("plan_labels", "graded_scores", "snapshots", "provisional_scores", "periods",
                  "dead_letters", "inbox", "outbox"):
        op.drop_table(table)

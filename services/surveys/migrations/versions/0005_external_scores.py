"""external survey scores: the county office's own evaluation of a unit in a round, used as that
round's score (以县效能办等部门组织评议结果为准); round scores say whether they are external

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "external_scores",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("unit_id", sa.String(100), primary_key=True),
        sa.Column("round_id", sa.String(100), primary_key=True),
        sa.Column("score", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("entered_by", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.add_column("round_scores", sa.Column("external", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("round_scores", sa.Column("source", sa.Text, nullable=False, server_default=""))
    op.add_column("round_scores", sa.Column("document", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    for column in ("document", "source", "external"):
        op.drop_column("round_scores", column)
    op.drop_table("external_scores")

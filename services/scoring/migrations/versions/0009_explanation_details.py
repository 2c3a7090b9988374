"""explanation details: when a result was confirmed; a deduction's inspection and appeal

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("results", sa.Column("confirmed_at", sa.String(40), nullable=False, server_default=""))
    op.add_column("deductions", sa.Column("inspection_id", sa.String(200)))
    op.add_column("deductions", sa.Column("appeal_id", sa.String(200)))
    op.add_column("deductions", sa.Column("appeal_outcome", sa.String(20)))


def downgrade() -> None:
    op.drop_column("deductions", "appeal_outcome")
    op.drop_column("deductions", "appeal_id")
    op.drop_column("deductions", "inspection_id")
    op.drop_column("results", "confirmed_at")

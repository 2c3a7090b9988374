"""budget_execution results (财政资金效率): the budget and the amount spent of a confirmed result

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("results", sa.Column("budget", sa.Numeric))
    op.add_column("results", sa.Column("spent", sa.Numeric))


def downgrade() -> None:
    op.drop_column("results", "spent")
    op.drop_column("results", "budget")

"""deductions: a discipline deduction may name the person (staff id) it is about

Revision ID: 0007
Revises: 0006

The person's own discipline deductions count towards the plan's people.deduction_threshold in
scoring's eligibility for excellence; "" for the unit's own deductions (all rows until now).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deductions", sa.Column("person", sa.String(100), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("deductions", "person")

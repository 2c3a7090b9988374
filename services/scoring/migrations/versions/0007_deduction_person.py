"""deductions: the staff id of a person's discipline deduction (DeductionRecorded.person)

Revision ID: 0007
Revises: 0006

A person's own active discipline deductions count towards the plan's people.deduction_threshold.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deductions", sa.Column("person", sa.String(100)))


def downgrade() -> None:
    op.drop_column("deductions", "person")

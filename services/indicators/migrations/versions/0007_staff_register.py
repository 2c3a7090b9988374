"""staff: the staff register of inspections (StaffMemberUpserted/Removed), to check the staff ids of
the responsibility chain

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff")

"""Each person's eligibility for excellence (评优资格) per graded snapshot, for the cadre assessment list.

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
    op.create_table(
        "person_eligibility",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True),
        sa.Column("staff_id", sa.String(100), primary_key=True),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("eligible", sa.Boolean, nullable=False),
        sa.Column("entry", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("person_eligibility")

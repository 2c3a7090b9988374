"""frame areas: a respondent's area (e.g. village) from the frame's optional area column, so a sample
is spread across areas inside each stratum (兼顾地理分布)

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
    op.add_column("respondents", sa.Column("area", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("respondents", "area")

"""people (评优资格): facts about staff, leave and absences, and each person's eligibility per snapshot

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
        "people_facts",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("fact_id", sa.String(200), primary_key=True),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("data_json", sa.Text, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
    )
    op.create_table(
        "person_eligibility",
        sa.Column("plan_id", sa.String(100), primary_key=True),
        sa.Column("period", sa.String(4), primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True),
        sa.Column("staff_id", sa.String(100), primary_key=True),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("eligible", sa.Boolean, nullable=False),
        sa.Column("entry_json", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("person_eligibility")
    op.drop_table("people_facts")

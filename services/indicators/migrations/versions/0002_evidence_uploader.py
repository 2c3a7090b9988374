"""evidence: who uploaded each file, and a note

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("evidence", sa.Column("uploaded_by", sa.String(200)))
    op.add_column("evidence", sa.Column("note", sa.Text()))


def downgrade() -> None:
    op.drop_column("evidence", "note")
    op.drop_column("evidence", "uploaded_by")

"""edits: a revision (the ETag) on inspections and findings, and the reason of an audit row

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
    # a constant default: existing rows get revision 1 (and an empty reason) without a table rewrite
    op.add_column("inspections", sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    op.add_column("findings", sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    op.add_column("audit_log", sa.Column("reason", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    op.drop_column("audit_log", "reason")
    op.drop_column("findings", "revision")
    op.drop_column("inspections", "revision")

"""scoring's own hash of each graded snapshot (snapshot_sha256 of PeriodGraded), shown on the notice,
and the objections (异议) a re-score that made the snapshot followed

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
    op.add_column("snapshots", sa.Column("sha256", sa.String(64), nullable=False, server_default=""))
    op.add_column("snapshots", sa.Column("objection_ids", sa.Text, nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("snapshots", "objection_ids")
    op.drop_column("snapshots", "sha256")

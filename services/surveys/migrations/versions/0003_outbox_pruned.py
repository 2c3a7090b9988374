"""outbox pruning: per-plan counts of deleted published outbox rows (GetPosition stays a count)

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from jixiao.messaging.outbox import create_outbox_pruned

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_pruned(op)


def downgrade() -> None:
    op.drop_table("outbox_pruned")

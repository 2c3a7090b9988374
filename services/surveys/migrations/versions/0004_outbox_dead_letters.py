"""outbox dead letters (rows the broker refused, moved aside so the relay goes on) and per-plan
counts of pruned inbox rows (events applied stays a count of all)

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from jixiao.messaging.outbox import create_outbox_dead_letters, drop_outbox_dead_letters

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_dead_letters(op)


def downgrade() -> None:
    drop_outbox_dead_letters(op)

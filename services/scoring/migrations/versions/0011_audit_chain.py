"""audit chain: the tamper-evident, append-only hash chain of scoring's state changes (jixiao.audit)

Revision ID: 0011
Revises: 0010

Closes, re-scores, reconciliation repairs and every event scoring emits append a row. With
JIXIAO_AUDIT_APP_ROLE set (production), that database role may only INSERT and SELECT it.
"""

import os

from alembic import op

from jixiao.audit import TABLE, create_audit_table

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op, app_role=os.environ.get("JIXIAO_AUDIT_APP_ROLE") or None)


def downgrade() -> None:
    op.drop_table(TABLE)

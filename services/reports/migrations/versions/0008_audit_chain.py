"""audit chain: the tamper-evident, append-only hash chain of reports' state changes (jixiao.audit):
objections filed and answered, notices published with their period's end, label overrides

Revision ID: 0008
Revises: 0007

With JIXIAO_AUDIT_APP_ROLE set (production), that database role may only INSERT and SELECT it.
"""

import os

from alembic import op

from jixiao.audit import TABLE, create_audit_table

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op, app_role=os.environ.get("JIXIAO_AUDIT_APP_ROLE") or None)


def downgrade() -> None:
    op.drop_table(TABLE)

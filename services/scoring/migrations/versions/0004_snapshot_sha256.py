"""graded snapshots keep the SHA-256 of their results document (carried by UnitScoreGraded/PeriodGraded)

Revision ID: 0004
Revises: 0003

Existing snapshots are hashed here the way closing does it: exactjson.dumps (compact) of the
stored results document, UTF-8.
"""

import hashlib

import sqlalchemy as sa
from alembic import op

from jixiao.rules import exactjson

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("snapshots", sa.Column("results_sha256", sa.String(64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT plan_id, period, version, results_json FROM snapshots")).all()
    for plan_id, period, version, results_json in rows:
        digest = hashlib.sha256(exactjson.dumps(exactjson.loads(results_json)).encode("utf-8")).hexdigest()
        bind.execute(sa.text("UPDATE snapshots SET results_sha256 = :d WHERE plan_id = :p AND period = :q "
                             "AND version = :v"), {"d": digest, "p": plan_id, "q": period, "v": version})
    op.alter_column("snapshots", "results_sha256", nullable=False)


def downgrade() -> None:
    op.drop_column("snapshots", "results_sha256")

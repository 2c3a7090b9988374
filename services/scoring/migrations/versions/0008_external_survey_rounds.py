"""external survey rounds: a round score supplied from outside (the county office's own evaluation)
is stored with its source and document, and the explanation marks the round as external

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("survey_rounds", sa.Column("external", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("survey_rounds", sa.Column("source", sa.Text, nullable=False, server_default=""))
    op.add_column("survey_rounds", sa.Column("document", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    for column in ("document", "source", "external"):
        op.drop_column("survey_rounds", column)

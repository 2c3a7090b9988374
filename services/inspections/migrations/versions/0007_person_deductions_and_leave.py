"""people: a discipline deduction may name the person (staff id) it is about; an absence keeps the
leave that excused it and a version

Revision ID: 0007
Revises: 0006

The person's own discipline deductions count towards the plan's people.deduction_threshold in
scoring's eligibility for excellence; "" for the unit's own deductions (all rows until now).
An absence excused because a leave covered its day names that leave (`excused_by_leave`): if the
leave form is rejected the absence is judged again (version 2, ...). Rows from before keep "".
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deductions", sa.Column("person", sa.String(100), nullable=False, server_default=""))
    op.add_column("absences", sa.Column("excused_by_leave", sa.String(100), nullable=False, server_default=""))
    op.add_column("absences", sa.Column("version", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    op.drop_column("absences", "version")
    op.drop_column("absences", "excused_by_leave")
    op.drop_column("deductions", "person")

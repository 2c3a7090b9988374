"""tasks: reporting cadence, measures and expected effects, several people per role

Revision ID: 0006
Revises: 0005

The roles lead, deputy and head held one name; they become JSON lists of {staff_id, name} like
handlers (whose names become such objects too), so a role may list several people by staff id.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_PERSON = "json_build_object('staff_id', NULL, 'name', {})"


def upgrade() -> None:
    for role in ("lead", "deputy", "head"):
        op.alter_column("tasks", role, type_=sa.Text(), existing_type=sa.String(200))
        op.execute(
            f"UPDATE tasks SET {role} = CASE WHEN {role} IS NULL THEN '[]' "
            f"ELSE json_build_array({_PERSON.format(role)})::text END"
        )
    op.execute(
        "UPDATE tasks SET handlers = (SELECT coalesce(json_agg(" + _PERSON.format("h") + "), '[]'::json)::text "
        "FROM json_array_elements_text(handlers::json) AS h)"
    )
    op.add_column("tasks", sa.Column("measures", sa.Text()))
    op.add_column("tasks", sa.Column("expected_effects", sa.Text()))
    op.add_column("tasks", sa.Column("cadence", sa.String(20)))
    op.add_column("tasks", sa.Column("reporting_from", sa.Date()))


def downgrade() -> None:
    op.drop_column("tasks", "reporting_from")
    op.drop_column("tasks", "cadence")
    op.drop_column("tasks", "expected_effects")
    op.drop_column("tasks", "measures")
    op.execute(
        "UPDATE tasks SET handlers = (SELECT coalesce(json_agg(p ->> 'name'), '[]'::json)::text "
        "FROM json_array_elements(handlers::json) AS p)"
    )
    for role in ("lead", "deputy", "head"):
        op.execute(f"UPDATE tasks SET {role} = ({role}::json -> 0) ->> 'name'")
        op.alter_column("tasks", role, type_=sa.String(200), existing_type=sa.Text())

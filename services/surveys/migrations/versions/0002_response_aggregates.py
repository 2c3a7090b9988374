"""response aggregates (backfilled from the stored responses), plan and unit versions from the indicators events

Revision ID: 0002
Revises: 0001
"""

from collections import Counter
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_AGGREGATES = sa.table("response_aggregates", sa.column("plan_id"), sa.column("unit_id"), sa.column("round_id"),
                       sa.column("stratum"), sa.column("score"), sa.column("responses"))


def upgrade() -> None:
    op.create_table('response_aggregates',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('stratum', sa.String(length=100), nullable=False),
    sa.Column('score', sa.Text(), nullable=False),
    sa.Column('responses', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id', 'round_id', 'stratum', 'score')
    )
    op.add_column('plans', sa.Column('version', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('units', sa.Column('version', sa.BigInteger(), server_default='0', nullable=False))
    # a UnitUpserted may arrive before its plan's PlanPublished (they travel under different keys)
    op.drop_constraint('units_plan_id_fkey', 'units', type_='foreignkey')
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    """Aggregate every stored response with its plan's answer scores, through the rules' own r."""
    # imported here: the aggregates must use exactly the function the service uses
    from services.surveys.domain.aggregates import score_keys

    for plan_id, answer_scores in bind.execute(sa.text("SELECT plan_id, answer_scores FROM plans ORDER BY plan_id")):
        scores = {answer: Decimal(str(value)) for answer, value in answer_scores.items()}
        cache: dict[tuple, str] = {}
        counts: Counter = Counter()
        result = bind.execute(  # streamed: a county has hundreds of thousands of responses
            sa.text("SELECT unit_id, round_id, stratum, answers FROM responses WHERE plan_id = :plan")
            .execution_options(yield_per=20_000), {"plan": plan_id})
        for part in result.partitions():
            keys = score_keys((tuple(answers) for _, _, _, answers in part), scores, cache)
            for (unit_id, round_id, stratum, _), key in zip(part, keys, strict=True):
                counts[(unit_id, round_id, stratum, key)] += 1
        if counts:
            bind.execute(_AGGREGATES.insert(), [
                {"plan_id": plan_id, "unit_id": u, "round_id": r, "stratum": s, "score": k, "responses": n}
                for (u, r, s, k), n in sorted(counts.items())])


def downgrade() -> None:
    op.execute("DELETE FROM units u WHERE NOT EXISTS (SELECT 1 FROM plans p WHERE p.plan_id = u.plan_id)")
    op.create_foreign_key('units_plan_id_fkey', 'units', 'plans', ['plan_id'], ['plan_id'])
    op.drop_column('units', 'version')
    op.drop_column('plans', 'version')
    op.drop_table('response_aggregates')

"""The scoring schema: facts per (plan, unit), current scores, graded snapshots, history.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from alembic import op
import sqlalchemy as sa

from jixiao.messaging.outbox import create_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table('plans',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('plan_json', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('plan_id')
    )
    op.create_table('units',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('group', sa.String(length=100), nullable=False),
    sa.Column('parent', sa.String(length=100), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id')
    )
    op.create_table('targets',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('indicator_id', sa.String(length=100), nullable=False),
    sa.Column('target', sa.Numeric(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id', 'indicator_id')
    )
    op.create_table('results',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('result_id', sa.String(length=200), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('indicator_id', sa.String(length=100), nullable=False),
    sa.Column('part', sa.String(length=100), server_default='', nullable=False),
    sa.Column('period', sa.String(length=4), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('actual', sa.Numeric(), nullable=True),
    sa.Column('rating', sa.String(length=100), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=True),
    sa.Column('points', sa.Numeric(), nullable=True),
    sa.Column('confirmed_by', sa.String(length=200), server_default='', nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id', 'result_id', 'confirmed')
    )
    op.create_table('survey_rounds',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('score', sa.Numeric(), nullable=True),
    sa.Column('se', sa.Numeric(), nullable=True),
    sa.Column('strata_json', sa.Text(), server_default='[]', nullable=False),
    sa.Column('responses', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id', 'round_id')
    )
    op.create_table('deductions',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('deduction_id', sa.String(length=200), nullable=False),
    sa.Column('recorded', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=True),
    sa.Column('points', sa.Numeric(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('aspect', sa.String(length=100), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id', 'deduction_id')
    )
    op.create_table('vetoes',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('veto_id', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('document', sa.Text(), nullable=True),
    sa.Column('lifted', sa.Boolean(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id', 'veto_id')
    )
    op.create_table('unit_scores',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=4), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('group', sa.String(length=100), nullable=False),
    sa.Column('total', sa.Numeric(), nullable=True),
    sa.Column('grade', sa.String(length=100), nullable=True),
    sa.Column('score_json', sa.Text(), nullable=False),
    sa.Column('explanation_json', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id', 'period')
    )
    op.create_table('score_history',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=4), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Numeric(), nullable=True),
    sa.Column('grade', sa.String(length=100), nullable=True),
    sa.Column('score_json', sa.Text(), nullable=False),
    sa.Column('event_ids_json', sa.Text(), server_default='[]', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('snapshots',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=4), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('plan_version', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('results_json', sa.Text(), nullable=False),
    sa.Column('diff_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'period', 'version')
    )
    op.create_table('snapshot_scores',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=4), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('group', sa.String(length=100), nullable=False),
    sa.Column('score_json', sa.Text(), nullable=False),
    sa.Column('explanation_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'period', 'version', 'unit_id')
    )
    op.create_table('close_requests',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=4), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_score_history_unit', 'score_history', ['plan_id', 'unit_id', 'period', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('close_requests')
    op.drop_table('snapshot_scores')
    op.drop_table('snapshots')
    op.drop_table('score_history')
    op.drop_table('unit_scores')
    op.drop_table('vetoes')
    op.drop_table('deductions')
    op.drop_table('survey_rounds')
    op.drop_table('results')
    op.drop_table('targets')
    op.drop_table('units')
    op.drop_table('plans')
    op.drop_table("dead_letters")
    op.drop_table("inbox")
    op.drop_table("outbox")

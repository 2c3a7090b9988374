"""initial: messaging tables and the surveys schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from jixiao.messaging.outbox import create_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table('interviews',
    sa.Column('interview_id', sa.String(length=100), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('respondent_id', sa.String(length=64), nullable=False),
    sa.Column('stratum', sa.String(length=100), nullable=False),
    sa.Column('interviewer', sa.String(length=100), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=True),
    sa.Column('answers', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('replacement_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('interview_id')
    )
    op.create_table('plans',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.Text(), server_default='', nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('answer_scores', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('plan_id')
    )
    op.create_table('responses',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('response_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('stratum', sa.String(length=100), nullable=False),
    sa.Column('mode', sa.String(length=10), server_default='', nullable=False),
    sa.Column('answers', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('source', sa.String(length=20), server_default='import', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'response_id')
    )
    op.create_table('round_scores',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('score', sa.Text(), nullable=False),
    sa.Column('se', sa.Text(), nullable=False),
    sa.Column('responses', sa.BigInteger(), nullable=False),
    sa.Column('strata', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id', 'round_id')
    )
    op.create_table('sample_members',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('respondent_id', sa.String(length=64), nullable=False),
    sa.Column('stratum', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('draw_number', sa.Integer(), server_default='0', nullable=False),
    sa.Column('replaces', sa.String(length=64), nullable=True),
    sa.Column('replaced_by', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='pending', nullable=False),
    sa.Column('interviewer', sa.String(length=100), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'round_id', 'unit_id', 'respondent_id')
    )
    op.create_table('rounds',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('weight', sa.Numeric(precision=38, scale=18), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.plan_id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'round_id')
    )
    op.create_table('strata',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('stratum', sa.String(length=100), nullable=False),
    sa.Column('weight', sa.Numeric(precision=38, scale=18), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.plan_id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id', 'stratum')
    )
    op.create_table('units',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.Text(), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=100), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.plan_id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id')
    )
    op.create_table('frames',
    sa.Column('frame_id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('strata_sizes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('filename', sa.Text(), server_default='', nullable=False),
    sa.Column('current', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['plan_id', 'round_id'], ['rounds.plan_id', 'rounds.round_id'], ),
    sa.PrimaryKeyConstraint('frame_id')
    )
    op.create_table('questionnaires',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('group', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), server_default='', nullable=False),
    sa.Column('items', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['plan_id', 'round_id'], ['rounds.plan_id', 'rounds.round_id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'round_id', 'group', 'version')
    )
    op.create_table('respondents',
    sa.Column('frame_id', sa.String(length=36), nullable=False),
    sa.Column('respondent_id', sa.String(length=64), nullable=False),
    sa.Column('stratum', sa.String(length=100), nullable=False),
    sa.Column('name_enc', sa.Text(), nullable=False),
    sa.Column('phone_enc', sa.Text(), nullable=False),
    sa.Column('address_enc', sa.Text(), nullable=False),
    sa.Column('row', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['frame_id'], ['frames.frame_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('frame_id', 'respondent_id')
    )
    op.create_table('samples',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('round_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('frame_id', sa.String(length=36), nullable=False),
    sa.Column('algorithm', sa.String(length=60), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('frame_sha256', sa.String(length=64), nullable=False),
    sa.Column('allocation', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sds', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('reserve_rate', sa.Numeric(precision=38, scale=18), nullable=False),
    sa.Column('allocated', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['frame_id'], ['frames.frame_id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'round_id', 'unit_id')
    )
    op.create_index('ix_interviews_unit', 'interviews', ['plan_id', 'round_id', 'unit_id'], unique=False)
    op.create_index('ix_responses_unit_round', 'responses', ['plan_id', 'unit_id', 'round_id'], unique=False)
    op.create_index('ix_sample_members_interviewer', 'sample_members', ['plan_id', 'interviewer'], unique=False)
    op.create_index('ux_frames_current', 'frames', ['plan_id', 'round_id', 'unit_id'], unique=True, postgresql_where=sa.text('current'))


def downgrade() -> None:
    op.drop_table('samples')
    op.drop_table('respondents')
    op.drop_table('questionnaires')
    op.drop_table('frames')
    op.drop_table('units')
    op.drop_table('strata')
    op.drop_table('rounds')
    op.drop_table('sample_members')
    op.drop_table('round_scores')
    op.drop_table('responses')
    op.drop_table('plans')
    op.drop_table('interviews')
    op.drop_table("dead_letters")
    op.drop_table("inbox")
    op.drop_table("outbox")

"""initial: messaging tables and the inspections schema (plans, units, ledger, vetoes, appeals,
inspections, findings, evidence, discipline, audit log)

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
    op.create_table('absences',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('activity', sa.String(length=30), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('excused', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('deduction_id', sa.String(length=100), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'id')
    )
    op.create_index('ix_absences_unit', 'absences', ['plan_id', 'unit_id', 'person'], unique=False)
    op.create_table('appeals',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('deduction_id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.String(length=200), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decision', sa.String(length=30), server_default='', nullable=False),
    sa.Column('decision_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('decided_by', sa.String(length=200), server_default='', nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('plan_id', 'id')
    )
    op.create_index('ix_appeals_deduction', 'appeals', ['plan_id', 'deduction_id'], unique=False)
    op.create_index('ux_appeals_open', 'appeals', ['plan_id', 'deduction_id'], unique=True, postgresql_where=sa.text("status = 'open'"))
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('entity_type', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.String(length=200), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('trace_id', sa.String(length=64), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_entity', 'audit_log', ['plan_id', 'entity_type', 'entity_id'], unique=False)
    op.create_table('deductions',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('points', sa.Numeric(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('aspect', sa.String(length=50), server_default='', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('source_ref', sa.String(length=200), server_default='', nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('revoke_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('recorded_version', sa.Integer(), nullable=False),
    sa.Column('recorded_envelope', sa.LargeBinary(), nullable=False),
    sa.Column('revoked_envelope', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('points > 0', name='ck_deductions_points_positive'),
    sa.PrimaryKeyConstraint('plan_id', 'id')
    )
    op.create_index('ix_deductions_date', 'deductions', ['plan_id', 'date'], unique=False)
    op.create_index('ix_deductions_unit', 'deductions', ['plan_id', 'unit_id', 'kind'], unique=False)
    op.create_table('evidence',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('finding_id', sa.String(length=100), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'id')
    )
    op.create_index('ix_evidence_finding', 'evidence', ['plan_id', 'finding_id'], unique=False)
    op.create_table('findings',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('inspection_id', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('aspect', sa.String(length=50), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('proposed_points', sa.Numeric(), nullable=True),
    sa.Column('deduction_id', sa.String(length=100), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'id')
    )
    op.create_index('ix_findings_inspection', 'findings', ['plan_id', 'inspection_id'], unique=False)
    op.create_table('inspections',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('inspectors', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'id')
    )
    op.create_index('ix_inspections_unit', 'inspections', ['plan_id', 'unit_id', 'date'], unique=False)
    op.create_table('leaves',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint('"end" >= start', name='ck_leaves_order'),
    sa.PrimaryKeyConstraint('plan_id', 'id')
    )
    op.create_index('ix_leaves_unit', 'leaves', ['plan_id', 'unit_id', 'person'], unique=False)
    op.create_table('plans',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('veto_categories', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('kinds', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('discipline_points', sa.Numeric(), nullable=False),
    sa.Column('appeal_window_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('plan_id')
    )
    op.create_table('units',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=100), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'id')
    )
    op.create_table('vetoes',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('document', sa.String(length=300), server_default='', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('lift_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('issued_version', sa.Integer(), nullable=False),
    sa.Column('issued_envelope', sa.LargeBinary(), nullable=False),
    sa.Column('lifted_envelope', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('plan_id', 'id')
    )
    op.create_index('ix_vetoes_unit', 'vetoes', ['plan_id', 'unit_id'], unique=False)
    # ### end Alembic commands ###


def downgrade() -> None:
    raise NotImplementedError("the initial migration is not reversible")

"""scores: closed months, their frozen score snapshots and payroll deductions

A closed month's figures are rows here; nothing recorded later changes them (a ledger entry dated
inside a closed month is booked into the open month as an adjustment).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import attendance.models.types


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('month_closes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('policy_version_id', sa.Integer(), nullable=True),
    sa.Column('score_base', sa.Integer(), nullable=False),
    sa.Column('score_floor', sa.Integer(), nullable=False),
    sa.Column('cap_percent', sa.String(length=16), nullable=False),
    sa.Column('minimum_wage', attendance.models.types.Money(), nullable=False),
    sa.Column('staff', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['employees.id'], name=op.f('fk_month_closes_closed_by_id_employees')),
    sa.ForeignKeyConstraint(['policy_version_id'], ['policy_versions.id'], name=op.f('fk_month_closes_policy_version_id_policy_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_month_closes')),
    sa.UniqueConstraint('month', name=op.f('uq_month_closes_month'))
    )
    op.create_table('score_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month_close_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('team_code', sa.String(length=32), nullable=True),
    sa.Column('team_name', sa.String(length=100), nullable=True),
    sa.Column('rostered_days', sa.Integer(), nullable=False),
    sa.Column('present_days', sa.Integer(), nullable=False),
    sa.Column('late_days', sa.Integer(), nullable=False),
    sa.Column('early_days', sa.Integer(), nullable=False),
    sa.Column('late_early_days', sa.Integer(), nullable=False),
    sa.Column('half_absent_days', sa.Integer(), nullable=False),
    sa.Column('absent_full_days', sa.Integer(), nullable=False),
    sa.Column('leave_days', sa.Integer(), nullable=False),
    sa.Column('breaking_leave_days', sa.Integer(), nullable=False),
    sa.Column('points_lost', sa.Integer(), nullable=False),
    sa.Column('fines_total', attendance.models.types.Money(), nullable=False),
    sa.Column('violations', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('full_attendance', sa.Boolean(), nullable=False),
    sa.Column('reward_eligible', sa.Boolean(), nullable=False),
    sa.Column('reward_amount', attendance.models.types.Money(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('team_rank', sa.Integer(), nullable=True),
    sa.Column('deductions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_score_snapshots_employee_id_employees')),
    sa.ForeignKeyConstraint(['month_close_id'], ['month_closes.id'], name=op.f('fk_score_snapshots_month_close_id_month_closes')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_score_snapshots_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_snapshots')),
    sa.UniqueConstraint('month', 'employee_id', name='uq_score_snapshots_month_employee')
    )
    with op.batch_alter_table('score_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_snapshots_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_snapshots_month_close_id'), ['month_close_id'], unique=False)

    op.create_table('payroll_deductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month_close_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('wage', attendance.models.types.Money(), nullable=True),
    sa.Column('fines', attendance.models.types.Money(), nullable=False),
    sa.Column('carried_in', attendance.models.types.Money(), nullable=False),
    sa.Column('fines_due', attendance.models.types.Money(), nullable=False),
    sa.Column('cap', attendance.models.types.Money(), nullable=False),
    sa.Column('deducted', attendance.models.types.Money(), nullable=False),
    sa.Column('carried_over', attendance.models.types.Money(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_payroll_deductions_employee_id_employees')),
    sa.ForeignKeyConstraint(['month_close_id'], ['month_closes.id'], name=op.f('fk_payroll_deductions_month_close_id_month_closes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_deductions')),
    sa.UniqueConstraint('month', 'employee_id', name='uq_payroll_deductions_month_employee')
    )
    with op.batch_alter_table('payroll_deductions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_deductions_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payroll_deductions_month_close_id'), ['month_close_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payroll_deductions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_deductions_month_close_id'))
        batch_op.drop_index(batch_op.f('ix_payroll_deductions_employee_id'))

    op.drop_table('payroll_deductions')
    with op.batch_alter_table('score_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_snapshots_month_close_id'))
        batch_op.drop_index(batch_op.f('ix_score_snapshots_employee_id'))

    op.drop_table('score_snapshots')
    op.drop_table('month_closes')

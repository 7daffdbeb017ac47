"""grooming: pre-shift grooming and workstation checks and the items each one failed

A correction adds a check and marks the old one superseded; a partial unique index keeps one
current check per person, day and shift. A page's one-time form token is unique per person, so
a double click or a replayed form stores nothing twice.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:59:59.748116

"""
from alembic import op
import sqlalchemy as sa

import attendance.models.types


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grooming_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('shift_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('policy_version_id', sa.Integer(), nullable=False),
    sa.Column('form_token', sa.String(length=64), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', attendance.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('present', 'absent')", name=op.f('ck_grooming_checks_status_known')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['employees.id'], name=op.f('fk_grooming_checks_checked_by_id_employees')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_grooming_checks_employee_id_employees')),
    sa.ForeignKeyConstraint(['policy_version_id'], ['policy_versions.id'], name=op.f('fk_grooming_checks_policy_version_id_policy_versions')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['employees.id'], name=op.f('fk_grooming_checks_superseded_by_id_employees')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['grooming_checks.id'], name=op.f('fk_grooming_checks_supersedes_id_grooming_checks')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_grooming_checks_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grooming_checks')),
    sa.UniqueConstraint('form_token', 'employee_id', name='uq_grooming_checks_form_token_employee')
    )
    with op.batch_alter_table('grooming_checks', schema=None) as batch_op:
        batch_op.create_index('ix_grooming_checks_employee_day', ['employee_id', 'day'], unique=False)
        batch_op.create_index('ix_grooming_checks_team_day', ['team_id', 'day'], unique=False)
        batch_op.create_index('uq_grooming_checks_current', ['employee_id', 'day', 'shift_code'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('grooming_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rule_code', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_path', sa.String(length=200), nullable=True),
    sa.Column('violation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['check_id'], ['grooming_checks.id'], name=op.f('fk_grooming_failures_check_id_grooming_checks')),
    sa.ForeignKeyConstraint(['violation_id'], ['violations.id'], name=op.f('fk_grooming_failures_violation_id_violations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grooming_failures')),
    sa.UniqueConstraint('check_id', 'item_code', name='uq_grooming_failures_check_item')
    )
    with op.batch_alter_table('grooming_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grooming_failures_item_code'), ['item_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_grooming_failures_violation_id'), ['violation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('grooming_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grooming_failures_violation_id'))
        batch_op.drop_index(batch_op.f('ix_grooming_failures_item_code'))

    op.drop_table('grooming_failures')
    with op.batch_alter_table('grooming_checks', schema=None) as batch_op:
        batch_op.drop_index('uq_grooming_checks_current', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_grooming_checks_team_day')
        batch_op.drop_index('ix_grooming_checks_employee_day')

    op.drop_table('grooming_checks')

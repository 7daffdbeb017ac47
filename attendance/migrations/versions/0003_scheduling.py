"""scheduling: shift types, the roster, punches, derived attendance days, meetings

Roster entries and attendance days are unique per person and day; a punch is unique by its
dedupe key (person and second), which is what makes importing the same file twice add nothing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 11:56:01.190130

"""
from alembic import op
import sqlalchemy as sa

import attendance.models.types


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shift_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.Column('breaks', sa.JSON(), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_minute > start_minute AND end_minute <= start_minute + 1440', name=op.f('ck_shift_types_end_after_start')),
    sa.CheckConstraint('start_minute >= 0 AND start_minute < 1440', name=op.f('ck_shift_types_start_in_day')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_types')),
    sa.UniqueConstraint('code', name=op.f('uq_shift_types_code'))
    )
    op.create_table('attendance_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('shift_type_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('late_minutes', sa.Integer(), nullable=False),
    sa.Column('early_minutes', sa.Integer(), nullable=False),
    sa.Column('worked_minutes', sa.Integer(), nullable=True),
    sa.Column('missing_in', sa.Boolean(), nullable=False),
    sa.Column('missing_out', sa.Boolean(), nullable=False),
    sa.Column('in_at', attendance.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('out_at', attendance.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leave_type', sa.String(length=16), nullable=True),
    sa.Column('evaluated_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('present', 'late', 'early', 'late_early', 'half_absent', 'absent', 'leave', 'rest')", name=op.f('ck_attendance_days_status_known')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_attendance_days_employee_id_employees')),
    sa.ForeignKeyConstraint(['shift_type_id'], ['shift_types.id'], name=op.f('fk_attendance_days_shift_type_id_shift_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_days')),
    sa.UniqueConstraint('employee_id', 'day', name='uq_attendance_days_employee_day')
    )
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_days_day'), ['day'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('morning', 'weekly', 'monthly')", name=op.f('ck_meetings_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_meetings_created_by_id_employees')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_meetings_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_team_id'), ['team_id'], unique=False)

    op.create_table('punches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('dedupe_key', sa.String(length=80), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', attendance.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("direction IS NULL OR direction IN ('in', 'out')", name=op.f('ck_punches_direction_known')),
    sa.CheckConstraint("source IN ('web', 'api', 'clock', 'import', 'correction')", name=op.f('ck_punches_source_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_punches_created_by_id_employees')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_punches_employee_id_employees')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['employees.id'], name=op.f('fk_punches_voided_by_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_punches')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_punches_dedupe_key'))
    )
    with op.batch_alter_table('punches', schema=None) as batch_op:
        batch_op.create_index('ix_punches_employee_at', ['employee_id', 'at'], unique=False)

    op.create_table('roster_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('shift_type_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('updated_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_roster_entries_employee_id_employees')),
    sa.ForeignKeyConstraint(['shift_type_id'], ['shift_types.id'], name=op.f('fk_roster_entries_shift_type_id_shift_types')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['employees.id'], name=op.f('fk_roster_entries_updated_by_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_entries')),
    sa.UniqueConstraint('employee_id', 'day', name='uq_roster_entries_employee_day')
    )
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_entries_day'), ['day'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mark IN ('present', 'late', 'left_early', 'absent', 'excused')", name=op.f('ck_meeting_attendance_mark_known')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_meeting_attendance_employee_id_employees')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendance_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['employees.id'], name=op.f('fk_meeting_attendance_recorded_by_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'employee_id', name='uq_meeting_attendance_meeting_employee')
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_employee_id'), ['employee_id'], unique=False)



def downgrade():
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_employee_id'))

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_entries_day'))

    op.drop_table('roster_entries')
    with op.batch_alter_table('punches', schema=None) as batch_op:
        batch_op.drop_index('ix_punches_employee_at')

    op.drop_table('punches')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_team_id'))
        batch_op.drop_index(batch_op.f('ix_meetings_day'))

    op.drop_table('meetings')
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_days_day'))

    op.drop_table('attendance_days')
    op.drop_table('shift_types')

"""work reports: the nominal deadline beside the one a public holiday or rest day moved to the next working day
(settings.work_reports.deadline_on_holiday), and when and why a report's file was deleted by retention
(retention.work_report_files_months; the record and the file's hash are kept)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 03:10:00

"""
from alembic import op
import sqlalchemy as sa

import attendance.models.types


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nominal_due_at', attendance.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('file_removed_at', attendance.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('file_removed_reason', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('work_reports', schema=None) as batch_op:
        batch_op.drop_column('file_removed_reason')
        batch_op.drop_column('file_removed_at')
        batch_op.drop_column('nominal_due_at')

"""Background jobs: the monthly report and month close asked for on a page and run by the task queue's
worker. The row holds who asked, the progress, the result and why it failed, so every web worker and
host shows the same state and a failed job can be retried.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 23:17:45.610454

"""
from alembic import op
import sqlalchemy as sa

import attendance.models.types


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=64), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', attendance.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', attendance.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retry_of_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_jobs_status_known')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['employees.id'], name=op.f('fk_jobs_requested_by_id_employees')),
    sa.ForeignKeyConstraint(['retry_of_id'], ['jobs.id'], name=op.f('fk_jobs_retry_of_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_kind_subject', ['kind', 'subject'], unique=False)



def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_kind_subject')

    op.drop_table('jobs')

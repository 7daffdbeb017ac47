"""imports as background jobs: the uploaded file's text waits on its job (``jobs.payload``) until the
job is done

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 02:53:19.980736

"""
from alembic import op
import sqlalchemy as sa

import attendance.models.types


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('payload')


"""operations: the worker's last round per job (health and metrics), the request that wrote a mail

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # /readyz asks when the mailbox was last polled; /metrics and `flask doctor` show each job's
    # last round. Workers on several nodes write the same row per job.
    op.create_table('job_run',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_run'))
    )
    # The request id of the request that queued a mail, logged again by the worker that sends it.
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.drop_column('request_id')

    op.drop_table('job_run')

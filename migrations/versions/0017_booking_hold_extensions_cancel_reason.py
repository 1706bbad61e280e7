"""bookings: how often a held time was extended, and the applicant's reason for cancelling

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # Existing bookings were never extended and were cancelled without a reason.
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_extensions', sa.SmallInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('hold_extensions')

"""staff second factor: the secret stored sealed (longer column)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 03:34:00.433149

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Existing plain secrets stay readable and are sealed at their next use (portal.totp).
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret',
               existing_type=sa.VARCHAR(length=64),
               type_=sa.String(length=255),
               existing_nullable=True)


def downgrade():
    # A sealed secret does not fit the old column and cannot be opened here: those staff enrol again.
    op.execute("UPDATE staff_user SET totp_secret = NULL, totp_enrolled_at = NULL, totp_last_step = NULL "
               "WHERE length(totp_secret) > 64")
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret',
               existing_type=sa.String(length=255),
               type_=sa.VARCHAR(length=64),
               existing_nullable=True)

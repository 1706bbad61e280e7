"""receipts made after the response: the submission keeps its receipt as HTML until the PDF is made

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_html_sha256', sa.String(length=64), nullable=True))


def downgrade():
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and newer have it): a batch copy of the table
    # would drop `submission` while documents, bookings and status changes point at it.
    op.drop_column('submission', 'receipt_html_sha256')

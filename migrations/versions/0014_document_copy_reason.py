"""documents: why a copy was made of the original (image as PDF, PDF without password or form scripts)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

REASONS = "('image_to_pdf', 'password_removed', 'form_scripts_removed', 'password_and_scripts_removed')"


def upgrade():
    # A copy for the case file is a document row pointing at its original (derived_from_id, as
    # before for images); the new column says what the copy changed. Check constraints are
    # invisible to autogenerate.
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('copy_reason', sa.String(length=28), nullable=True))
        batch_op.create_check_constraint('copy_reason_known', f"copy_reason IN {REASONS}")
    with op.batch_alter_table('draft_upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('copy_reason', sa.String(length=28), nullable=True))
        batch_op.create_check_constraint('copy_reason_known', f"copy_reason IN {REASONS}")
    # Until now every copy was an image's PDF.
    op.execute("UPDATE document SET copy_reason = 'image_to_pdf' WHERE derived_from_id IS NOT NULL")
    op.execute("UPDATE draft_upload SET copy_reason = 'image_to_pdf' WHERE pdf_sha256 <> sha256")


def downgrade():
    with op.batch_alter_table('draft_upload', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_draft_upload_copy_reason_known'), type_='check')
        batch_op.drop_column('copy_reason')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_document_copy_reason_known'), type_='check')
        batch_op.drop_column('copy_reason')

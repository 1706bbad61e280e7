"""scan batches: delivered batches of scanned paper files and their rows

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 01:48:45.216758

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scan_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('source_dir', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('rows_imported', sa.Integer(), nullable=False),
    sa.Column('rows_failed', sa.Integer(), nullable=False),
    sa.Column('case_files_created', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('received', 'imported', 'checked')", name=op.f('ck_scan_batch_status_known')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['staff_user.id'], name=op.f('fk_scan_batch_checked_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_batch')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_scan_batch_batch_id'))
    )
    op.create_table('scan_batch_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scan_batch_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('file_number', sa.String(length=60), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('case_file_id', sa.Integer(), nullable=True),
    sa.Column('opened_case_file', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('imported', 'failed')", name=op.f('ck_scan_batch_row_status_known')),
    sa.ForeignKeyConstraint(['case_file_id'], ['case_file.id'], name=op.f('fk_scan_batch_row_case_file_id_case_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_scan_batch_row_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scan_batch_id'], ['scan_batch.id'], name=op.f('fk_scan_batch_row_scan_batch_id_scan_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_batch_row')),
    sa.UniqueConstraint('scan_batch_id', 'file_number', 'sha256', name=op.f('uq_scan_batch_row_scan_batch_id_file_number_sha256'))
    )
    with op.batch_alter_table('scan_batch_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_batch_row_case_file_id'), ['case_file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_batch_row_scan_batch_id'), ['scan_batch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('scan_batch_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_batch_row_scan_batch_id'))
        batch_op.drop_index(batch_op.f('ix_scan_batch_row_case_file_id'))

    op.drop_table('scan_batch_row')
    op.drop_table('scan_batch')

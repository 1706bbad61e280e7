"""back office at ten times the data: name keys carry the file's year of birth, indexed by key and year; the date-of-birth index covers the matching's date search; the queue counts open items by site from an index

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 04:16:53.521580

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

OPEN_ONLY = sa.text("status IN ('received', 'in_progress', 'awaiting_documents')")


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_open_site', ['site_id'], unique=False,
                              sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY)

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_birth')
        batch_op.create_index('ix_case_file_birth', ['dob_year', 'dob_month', 'dob_day', 'site_id', 'id'], unique=False)

    with op.batch_alter_table('case_file_name_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dob_year', sa.SmallInteger(), nullable=True))

    # The keys written so far take their file's year (portal.matching.index keeps it from now on).
    op.execute("UPDATE case_file_name_key SET dob_year = "
               "(SELECT case_file.dob_year FROM case_file WHERE case_file.id = case_file_name_key.case_file_id)")

    with op.batch_alter_table('case_file_name_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_file_name_key_key'))
        batch_op.create_index('ix_case_file_name_key_key_year', ['key', 'dob_year', 'case_file_id', 'kind'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('case_file_name_key', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_name_key_key_year')
        batch_op.create_index(batch_op.f('ix_case_file_name_key_key'), ['key'], unique=False)
        batch_op.drop_column('dob_year')

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_birth')
        batch_op.create_index('ix_case_file_birth', ['dob_year', 'dob_month', 'dob_day'], unique=False)

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_open_site')

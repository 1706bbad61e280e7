"""submission site from its case file: a filed submission without a site gets its file's site

Until now attaching a submission to a case file left an empty site empty, so every caseworker
of every site kept seeing it and its documents (portal.casework.access). Attaching now gives
the submission the file's site; this fills the rows filed before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # A correlated subquery: the same SQL on SQLite and PostgreSQL (no UPDATE ... FROM).
    op.execute("UPDATE submission SET site_id = (SELECT case_file.site_id FROM case_file "
               "WHERE case_file.id = submission.case_file_id) "
               "WHERE submission.site_id IS NULL AND submission.case_file_id IS NOT NULL")


def downgrade():
    # Which rows were empty before cannot be told afterwards, and emptying them again would
    # reopen them to every site: the data stays as it is.
    pass

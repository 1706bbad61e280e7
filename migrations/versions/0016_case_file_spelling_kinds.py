"""case-file spellings: what each known spelling is (passport, earlier passport, birth name, script original)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

KINDS = "('passport', 'earlier_passport', 'birth_name', 'script_original', 'other')"


def upgrade():
    # Spellings known so far came from submissions and imports: "other" (seen elsewhere). The
    # name keys are not recomputed here: `flask casefiles reindex` does that in batches after
    # the upgrade (docs/operations.md), as it needs the romanisation's name lists.
    with op.batch_alter_table('case_file_alias', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='other', nullable=False))
        batch_op.create_check_constraint('kind_known', f"kind IN {KINDS}")


def downgrade():
    with op.batch_alter_table('case_file_alias', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_file_alias_kind_known'), type_='check')
        batch_op.drop_column('kind')

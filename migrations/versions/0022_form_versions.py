"""form versions: the office's versions of the online forms (the shipped version 1 of each service stays a file in portal/forms/seed)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 20:47:04.966010

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=60), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=9), nullable=False),
    sa.Column('based_on', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('private', 'pending', 'published')", name=op.f('ck_form_version_state_known')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_form_version_number_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_form_version_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['published_by_id'], ['staff_user.id'], name=op.f('fk_form_version_published_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_version')),
    sa.UniqueConstraint('service_code', 'number', name=op.f('uq_form_version_service_code_number'))
    )
    with op.batch_alter_table('form_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_version_service_code'), ['service_code'], unique=False)


def downgrade():
    with op.batch_alter_table('form_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_version_service_code'))

    op.drop_table('form_version')

"""portal content: pages, service descriptions, FAQ, notices with versions and workflow; editor role

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 01:46:17.341382

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=7), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('menu_position', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('placement', sa.String(length=8), nullable=True),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('page', 'service', 'faq', 'notice')", name=op.f('ck_content_item_kind_known')),
    sa.CheckConstraint("placement IN ('all', 'start', 'services', 'pages', 'booking')", name=op.f('ck_content_item_placement_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_content_item_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_content_item_service_id_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_item')),
    sa.UniqueConstraint('kind', 'slug', name=op.f('uq_content_item_kind_slug'))
    )
    with op.batch_alter_table('content_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_item_service_id'), ['service_id'], unique=False)

    op.create_table('content_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_content_media_created_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_media')),
    sa.UniqueConstraint('token', name=op.f('uq_content_media_token'))
    )
    op.create_table('content_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('state', sa.String(length=9), nullable=False),
    sa.Column('published_number', sa.Integer(), nullable=True),
    sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expire_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('private', 'pending', 'published', 'expired')", name=op.f('ck_content_translation_state_known')),
    sa.ForeignKeyConstraint(['item_id'], ['content_item.id'], name=op.f('fk_content_translation_item_id_content_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_translation')),
    sa.UniqueConstraint('item_id', 'language', name=op.f('uq_content_translation_item_id_language'))
    )
    with op.batch_alter_table('content_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_translation_item_id'), ['item_id'], unique=False)

    op.create_table('content_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('translation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.Text(), nullable=False),
    sa.Column('documents', sa.Text(), nullable=False),
    sa.Column('fees', sa.Text(), nullable=False),
    sa.Column('processing_time', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('source_number', sa.Integer(), nullable=True),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_content_version_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['published_by_id'], ['staff_user.id'], name=op.f('fk_content_version_published_by_id_staff_user')),
    sa.ForeignKeyConstraint(['translation_id'], ['content_translation.id'], name=op.f('fk_content_version_translation_id_content_translation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version')),
    sa.UniqueConstraint('translation_id', 'number', name=op.f('uq_content_version_translation_id_number'))
    )
    with op.batch_alter_table('content_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_version_translation_id'), ['translation_id'], unique=False)

    # Check constraints are invisible to autogenerate: the new role value.
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_user_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', "role IN ('caseworker', 'team_lead', 'admin', 'dpo', 'editor')")


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_user_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', "role IN ('caseworker', 'team_lead', 'admin', 'dpo')")

    with op.batch_alter_table('content_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_version_translation_id'))
    op.drop_table('content_version')
    with op.batch_alter_table('content_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_translation_item_id'))
    op.drop_table('content_translation')
    op.drop_table('content_media')
    with op.batch_alter_table('content_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_item_service_id'))
    op.drop_table('content_item')

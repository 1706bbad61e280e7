"""e-mail intake: inbound mail source, reasons, details, dismissal; reply limit per sender

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 01:45:13.410887

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reply_limit',
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_reply_limit'))
    )
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedup_key', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('headers_only', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('source', sa.String(length=4), nullable=False, server_default='file'))
        batch_op.add_column(sa.Column('source_detail', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sender_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reason_code', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dismissed_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inbound_mail_dedup_key'), ['dedup_key'], unique=False)
        batch_op.create_index('ix_inbound_mail_status_received', ['status', 'received_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inbound_mail_dismissed_by_id_staff_user'), 'staff_user', ['dismissed_by_id'], ['id'])
        # Check constraints are invisible to autogenerate: the new status values and the source.
        batch_op.drop_constraint(op.f('ck_inbound_mail_status_known'), type_='check')
        batch_op.create_check_constraint(
            'status_known', "status IN ('received', 'processed', 'quarantined', 'duplicate', 'dismissed')")
        batch_op.create_check_constraint('source_known', "source IN ('imap', 'file')")


def downgrade():
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_inbound_mail_source_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_inbound_mail_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', "status IN ('received', 'processed', 'quarantined')")
        batch_op.drop_constraint(batch_op.f('fk_inbound_mail_dismissed_by_id_staff_user'), type_='foreignkey')
        batch_op.drop_index('ix_inbound_mail_status_received')
        batch_op.drop_index(batch_op.f('ix_inbound_mail_dedup_key'))
        batch_op.drop_column('dismissed_by_id')
        batch_op.drop_column('dismissed_at')
        batch_op.drop_column('acknowledged_at')
        batch_op.drop_column('processed_at')
        batch_op.drop_column('details')
        batch_op.drop_column('reason_code')
        batch_op.drop_column('language')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('sender_name')
        batch_op.drop_column('source_detail')
        batch_op.drop_column('source')
        batch_op.drop_column('headers_only')
        batch_op.drop_column('dedup_key')

    op.drop_table('reply_limit')

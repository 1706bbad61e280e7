"""return channel: requests for documents with deadline and answer link, answer uploads, the conversation on a submission, invitations to book; documents received on the submission

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 17:19:09.128121

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=9), nullable=False),
    sa.Column('delivery', sa.String(length=4), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('reminder_token_hash', sa.String(length=64), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('api_client_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("delivery IN ('mail', 'post')", name=op.f('ck_document_request_request_delivery_known')),
    sa.CheckConstraint("state IN ('open', 'answered', 'withdrawn')", name=op.f('ck_document_request_request_state_known')),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], name=op.f('fk_document_request_api_client_id_api_client')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['staff_user.id'], name=op.f('fk_document_request_requested_by_id_staff_user')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_document_request_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_request')),
    sa.UniqueConstraint('reminder_token_hash', name=op.f('uq_document_request_reminder_token_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_document_request_token_hash'))
    )
    with op.batch_alter_table('document_request', schema=None) as batch_op:
        batch_op.create_index('ix_document_request_open_deadline', ['state', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_request_submission_id'), ['submission_id'], unique=False)

    op.create_table('answer_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=60), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('copy_reason', sa.String(length=28), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['document_request.id'], name=op.f('fk_answer_upload_request_id_document_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_upload'))
    )
    with op.batch_alter_table('answer_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_upload_request_id'), ['request_id'], unique=False)

    op.create_table('appointment_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_appointment_invitation_booking_id_booking')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['staff_user.id'], name=op.f('fk_appointment_invitation_invited_by_id_staff_user')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_appointment_invitation_service_id_service')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_appointment_invitation_site_id_site')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_appointment_invitation_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_appointment_invitation_token_hash'))
    )
    with op.batch_alter_table('appointment_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_invitation_submission_id'), ['submission_id'], unique=False)

    op.create_table('submission_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=9), nullable=False),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_text', sa.Text(), nullable=False),
    sa.Column('transliteration', sa.Text(), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('inbound_mail_id', sa.Integer(), nullable=True),
    sa.Column('document_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("author IN ('office', 'applicant')", name=op.f('ck_submission_message_message_author_known')),
    sa.CheckConstraint("channel IN ('web', 'email', 'post')", name=op.f('ck_submission_message_message_channel_known')),
    sa.ForeignKeyConstraint(['inbound_mail_id'], ['inbound_mail.id'], name=op.f('fk_submission_message_inbound_mail_id_inbound_mail')),
    sa.ForeignKeyConstraint(['request_id'], ['document_request.id'], name=op.f('fk_submission_message_request_id_document_request')),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], name=op.f('fk_submission_message_staff_user_id_staff_user')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_message_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_message'))
    )
    with op.batch_alter_table('submission_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_message_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_submission_message_thread', ['submission_id', 'created_at', 'id'], unique=False)

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_received_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    # The new tables refer to submission: dropped before SQLite's batch copies it.
    with op.batch_alter_table('submission_message', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_message_thread')
        batch_op.drop_index(batch_op.f('ix_submission_message_request_id'))

    op.drop_table('submission_message')
    with op.batch_alter_table('appointment_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_invitation_submission_id'))

    op.drop_table('appointment_invitation')
    with op.batch_alter_table('answer_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_upload_request_id'))

    op.drop_table('answer_upload')
    with op.batch_alter_table('document_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_request_submission_id'))
        batch_op.drop_index('ix_document_request_open_deadline')

    op.drop_table('document_request')
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and newer have it): a batch copy of the table
    # would drop `submission` while documents, bookings and status changes point at it.
    op.drop_column('submission', 'answer_received_at')


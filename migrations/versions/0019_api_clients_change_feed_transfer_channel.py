"""API clients, the change feed of submissions, API calls in the audit trail, the transfer channel (xdomea)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

CHANNELS = "('web', 'email', 'scan', 'staff', 'transfer')"
CHANNELS_BEFORE = "('web', 'email', 'scan', 'staff')"


def _sqlite_foreign_keys(on: bool):
    """SQLite changes a check constraint by copying the table; dropping the old copy of a table
    that other rows point at (documents, status changes, bookings of a submission) fails while
    foreign keys are enforced. The pragma is ignored inside a transaction, so the one in hand is
    committed first (SQLite's DDL is not transactional for Alembic anyway); after the copy
    foreign_key_check proves that every reference still holds."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    raw = bind.connection.driver_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on:
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table copy: {broken[:5]}")


def upgrade():
    # Systems using the API: only the hash of each token is kept.
    op.create_table('api_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_hint', sa.String(length=16), nullable=False),
    sa.Column('scopes', sa.String(length=300), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_api_client_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_api_client_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
    sa.UniqueConstraint('name', name=op.f('uq_api_client_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_client_token_hash'))
    )
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_client_site_id'), ['site_id'], unique=False)

    # The change feed (portal.change_feed): rows written by the session after every flush.
    # Existing submissions are not replayed: a reader starts from the beginning of the feed and
    # lists what is there with GET /api/v1/submissions.
    op.create_table('submission_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_change_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_change')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('submission_change', schema=None) as batch_op:
        batch_op.create_index('ix_submission_change_position', ['txid', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_change_submission_id'), ['submission_id'], unique=False)

    # An API call in the audit trail names its client; a status change made through the API too.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_client_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_api_client_id'), ['api_client_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_api_client_id_api_client'), 'api_client', ['api_client_id'], ['id'])

    with op.batch_alter_table('submission_status_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_client_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_submission_status_change_api_client_id_api_client'), 'api_client', ['api_client_id'], ['id'])

    # The new channel "transfer" (a file handed over by another office): longer values, and the
    # check constraints (invisible to autogenerate) know it.
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.alter_column('source',
               existing_type=sa.VARCHAR(length=5),
               type_=sa.String(length=8),
               existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_document_source_known'), type_='check')
        batch_op.create_check_constraint('source_known', f"source IN {CHANNELS}")

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.alter_column('channel',
               existing_type=sa.VARCHAR(length=5),
               type_=sa.String(length=8),
               existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_submission_channel_known'), type_='check')
        batch_op.create_check_constraint('channel_known', f"channel IN {CHANNELS}")
    _sqlite_foreign_keys(True)


def downgrade():
    # Submissions and documents of the transfer channel must be gone before (they would break
    # the old check constraints).
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_submission_channel_known'), type_='check')
        batch_op.create_check_constraint('channel_known', f"channel IN {CHANNELS_BEFORE}")
        batch_op.alter_column('channel',
               existing_type=sa.String(length=8),
               type_=sa.VARCHAR(length=5),
               existing_nullable=False)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_document_source_known'), type_='check')
        batch_op.create_check_constraint('source_known', f"source IN {CHANNELS_BEFORE}")
        batch_op.alter_column('source',
               existing_type=sa.String(length=8),
               type_=sa.VARCHAR(length=5),
               existing_nullable=False)
    _sqlite_foreign_keys(True)

    with op.batch_alter_table('submission_status_change', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submission_status_change_api_client_id_api_client'), type_='foreignkey')
        batch_op.drop_column('api_client_id')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_api_client_id_api_client'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_event_api_client_id'))
        batch_op.drop_column('api_client_id')

    with op.batch_alter_table('submission_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_change_submission_id'))
        batch_op.drop_index('ix_submission_change_position')

    op.drop_table('submission_change')
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_client_site_id'))

    op.drop_table('api_client')

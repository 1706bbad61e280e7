"""data-protection officer role, indexes for the open queue and the audit trail

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:38:42.304788

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN_ONLY = sa.text("status IN ('received', 'in_progress', 'awaiting_documents')")


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_at', ['at', 'id'], unique=False)

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_open_received', ['received_at', 'id'], unique=False,
                              sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY)
        batch_op.create_index('ix_submission_open_service', ['service_id', 'received_at', 'id'], unique=False,
                              sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY)

    # Check constraints are invisible to autogenerate: the new role value.
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_user_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', "role IN ('caseworker', 'team_lead', 'admin', 'dpo')")


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_user_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', "role IN ('caseworker', 'team_lead', 'admin')")

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_open_service')
        batch_op.drop_index('ix_submission_open_received')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_at')

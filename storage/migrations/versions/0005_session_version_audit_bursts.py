"""session version on users, audit bursts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 17:00:00

`users.session_version` is part of every login session's id: raising it ends the account's
sessions on every device (logout, password change, disable). `audit_log.count` and `last_at`
let one row stand for a burst of the same event, such as repeated failed logins.
"""

from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('last_at', storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('last_at')
        batch_op.drop_column('count')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

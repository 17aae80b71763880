"""decision outcomes relayed to the guest

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:40:00

`decisions.wait_minutes` is the time a guest asked to wait was given; `told_at` and `told_by`
record when and by which guard the guest was told the decision ("Sudah disampaikan").
"""

from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0006'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wait_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('told_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('told_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_decisions_told_by_users'), 'users', ['told_by'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_decisions_told_by_users'), type_='foreignkey')
        batch_op.drop_column('told_by')
        batch_op.drop_column('told_at')
        batch_op.drop_column('wait_minutes')

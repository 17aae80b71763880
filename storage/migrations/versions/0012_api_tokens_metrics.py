"""API tokens, metric counters

Revision ID: 0012
Revises: 0005
Create Date: 2026-11-25 19:45:00

`api_tokens` holds the REST API's tokens (SHA-256 only, a role each); `metric_counters` the
running totals each camera worker adds to, exported by the dashboard's /metrics.
"""

from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0012'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_api_tokens_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_table('metric_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('camera', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('le', sa.String(length=16), server_default='', nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_counters')),
    sa.UniqueConstraint('camera', 'name', 'le', name='uq_metric_counters_key')
    )


def downgrade() -> None:
    op.drop_table('metric_counters')
    op.drop_table('api_tokens')

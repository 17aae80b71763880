"""worker heartbeats and task leases

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-25 19:45:00

`worker_heartbeats`: each capture worker's last sign of life, so the dashboard can tell a
stopped worker (and its cameras) from a running one, across hosts. `task_leases`: the scheduled
retention run is held by one process at a time and runs once per interval across processes.
"""

from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'worker_heartbeats',
        sa.Column('worker', sa.String(length=120), nullable=False),
        sa.Column('host', sa.String(length=80), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('cameras', sa.String(length=400), nullable=False),
        sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('beat_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('worker', name=op.f('pk_worker_heartbeats')),
    )
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_beat_at'), ['beat_at'], unique=False)
    op.create_table(
        'task_leases',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('holder', sa.String(length=120), nullable=True),
        sa.Column('held_until', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('next_due', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_run_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_task_leases')),
    )


def downgrade() -> None:
    op.drop_table('task_leases')
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_beat_at'))
    op.drop_table('worker_heartbeats')

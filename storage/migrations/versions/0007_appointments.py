"""appointments (janji temu)

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-25 19:31:40

Expected guests: a name (and the enrolled guest when known), a time window, purpose and host,
and how it turned out (expected, arrived with the arrival that fulfilled it, no_show,
cancelled); `origin_arrival_id` is the visit whose "reschedule" decision made it.
"""

from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0007'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('guest_id', sa.Integer(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('until', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=True),
    sa.Column('host', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('arrival_id', sa.Integer(), nullable=True),
    sa.Column('origin_arrival_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['arrival_id'], ['arrivals.id'], name=op.f('fk_appointments_arrival_id_arrivals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_appointments_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['guest_id'], ['guests.id'], name=op.f('fk_appointments_guest_id_guests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['origin_arrival_id'], ['arrivals.id'], name=op.f('fk_appointments_origin_arrival_id_arrivals'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_arrival_id'), ['arrival_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_guest_id'), ['guest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_name_key'), ['name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_until'), ['until'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_until'))
        batch_op.drop_index(batch_op.f('ix_appointments_status'))
        batch_op.drop_index(batch_op.f('ix_appointments_name_key'))
        batch_op.drop_index(batch_op.f('ix_appointments_guest_id'))
        batch_op.drop_index(batch_op.f('ix_appointments_at'))
        batch_op.drop_index(batch_op.f('ix_appointments_arrival_id'))

    op.drop_table('appointments')

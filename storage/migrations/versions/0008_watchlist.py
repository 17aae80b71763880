"""watchlist (daftar perhatian): entries, their faces, their sightings

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-25 19:40:00

Persons of concern enrolled by security with a level and a note, their face encodings (photos
under watchlist/), and each camera sighting with its snapshot and acknowledgement.
"""

from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0008'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'watchlist_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('level', sa.String(length=10), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_by', sa.String(length=60), nullable=True),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_watchlist_entries')),
    )
    with op.batch_alter_table('watchlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watchlist_entries_created_at'), ['created_at'], unique=False)
    op.create_table(
        'watchlist_samples',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('encoding', sa.LargeBinary(), nullable=False),
        sa.Column('photo', sa.String(length=200), nullable=True),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['watchlist_entries.id'], name=op.f('fk_watchlist_samples_entry_id_watchlist_entries'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_watchlist_samples')),
    )
    with op.batch_alter_table('watchlist_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watchlist_samples_entry_id'), ['entry_id'], unique=False)
    op.create_table(
        'watchlist_sightings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('camera', sa.String(length=32), nullable=False),
        sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('distance', sa.Float(), nullable=True),
        sa.Column('snapshot', sa.String(length=200), nullable=True),
        sa.Column('track', sa.String(length=40), nullable=True),
        sa.Column('acknowledged_by', sa.String(length=60), nullable=True),
        sa.Column('acknowledged_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['entry_id'], ['watchlist_entries.id'], name=op.f('fk_watchlist_sightings_entry_id_watchlist_entries'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_watchlist_sightings')),
    )
    with op.batch_alter_table('watchlist_sightings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watchlist_sightings_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_watchlist_sightings_entry_id'), ['entry_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('watchlist_sightings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watchlist_sightings_entry_id'))
        batch_op.drop_index(batch_op.f('ix_watchlist_sightings_at'))
    op.drop_table('watchlist_sightings')
    with op.batch_alter_table('watchlist_samples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watchlist_samples_entry_id'))
    op.drop_table('watchlist_samples')
    with op.batch_alter_table('watchlist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watchlist_entries_created_at'))
    op.drop_table('watchlist_entries')

"""media blobs

Revision ID: 0013
Revises: 0005
Create Date: 2026-11-25 20:00:00

`media_blobs` holds snapshots and photos when `storage.media_store: database`: workers on other
hosts then share them with every web process through the one PostgreSQL.
"""

from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0013'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('media_blobs',
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('modified_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('path', name=op.f('pk_media_blobs'))
    )
    with op.batch_alter_table('media_blobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_blobs_modified_at'), ['modified_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('media_blobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_blobs_modified_at'))
    op.drop_table('media_blobs')

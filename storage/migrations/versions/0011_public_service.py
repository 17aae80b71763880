"""public service: survey tokens and responses (IKM), complaints

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-25 19:31:10

`survey_tokens` holds only the SHA-256 of each slip's survey link and whether it was used;
`survey_responses` do not point back to a token, so answers stay anonymous. `complaints` are
the public's complaints and suggestions with their tracking number, status and due time.
"""

from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0011'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('u1', sa.SmallInteger(), nullable=False),
    sa.Column('u2', sa.SmallInteger(), nullable=False),
    sa.Column('u3', sa.SmallInteger(), nullable=False),
    sa.Column('u4', sa.SmallInteger(), nullable=False),
    sa.Column('u5', sa.SmallInteger(), nullable=False),
    sa.Column('u6', sa.SmallInteger(), nullable=False),
    sa.Column('u7', sa.SmallInteger(), nullable=False),
    sa.Column('u8', sa.SmallInteger(), nullable=False),
    sa.Column('u9', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_no', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=True),
    sa.Column('contact', sa.String(length=120), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('handled_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['handled_by'], ['users.id'], name=op.f('fk_complaints_handled_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('tracking_no', name=op.f('uq_complaints_tracking_no'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_status'), ['status'], unique=False)

    op.create_table('survey_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guestbook_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['guestbook_id'], ['guestbook.id'], name=op.f('fk_survey_tokens_guestbook_id_guestbook'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_tokens')),
    sa.UniqueConstraint('guestbook_id', name=op.f('uq_survey_tokens_guestbook_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_survey_tokens_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('survey_tokens')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_status'))
        batch_op.drop_index(batch_op.f('ix_complaints_created_at'))

    op.drop_table('complaints')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_submitted_at'))

    op.drop_table('survey_responses')

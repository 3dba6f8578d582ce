"""signin attempts: failed web sign-ins and the locks they start, where no Redis keeps them

Revision ID: 0018_signin_attempts
Revises: 0003
Create Date: 2026-12-16 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0018_signin_attempts'
down_revision = '0003'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('signin_attempt',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_attempt'))
    )
    with op.batch_alter_table('signin_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_attempt_at'), ['at'], unique=False)
        batch_op.create_index('ix_signin_attempt_key_at', ['key', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signin_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_signin_attempt_key_at')
        batch_op.drop_index(batch_op.f('ix_signin_attempt_at'))
    op.drop_table('signin_attempt')

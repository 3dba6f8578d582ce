"""signin refused: how many sign-ins a lock has refused (only the first of each is an audit row)

Revision ID: 0022_signin_refused
Revises: 0018_signin_attempts
Create Date: 2026-12-05 19:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_signin_refused'
down_revision = '0018_signin_attempts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('signin_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('signin_attempt', schema=None) as batch_op:
        batch_op.drop_column('refused')

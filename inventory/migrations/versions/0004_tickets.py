"""tickets: repair tickets and their call-centre events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:00:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('ticket',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('service_point_code', sa.String(length=16), nullable=True),
    sa.Column('family', sa.String(length=32), nullable=True),
    sa.Column('created_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_received_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['service_point_code'], ['service_point.code'], name=op.f('fk_ticket_service_point_code_service_point')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_ticket'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_completed_at', ['completed_at'], unique=False)

    op.create_table('ticket_event',
    sa.Column('id', BigId, nullable=False),
    sa.Column('ticket_code', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('until', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('service_point_code', sa.String(length=16), nullable=True),
    sa.Column('family', sa.String(length=32), nullable=True),
    sa.Column('dedupe_key', sa.String(length=64), nullable=False),
    sa.Column('received_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['ticket_code'], ['ticket.code'], name=op.f('fk_ticket_event_ticket_code_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_event')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_ticket_event_dedupe_key'))
    )
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_event_ticket', ['ticket_code', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_event_ticket')

    op.drop_table('ticket_event')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_completed_at')

    op.drop_table('ticket')

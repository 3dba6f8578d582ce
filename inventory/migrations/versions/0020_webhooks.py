"""webhooks: dealers' and service points' receivers, the outbox of events, deliveries and attempts

`webhook_event` records each pushable fact once (a requisition history row, an overdue return,
a dealer's quota level in a month: unique columns); `webhook_delivery` is one event to one
webhook, its id sent as the payload's `id`, with attempts, the next attempt's time and the
sending worker's claim; `webhook_attempt` is the log the owner reads; `webhook_cursor` says how
far the requisition history has been read.

Revision ID: 0020_webhooks
Revises: 0003 (and needs 0005: part_return)
Create Date: 2026-12-17 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0020_webhooks'
down_revision = '0003'
branch_labels = None
depends_on = ('0005',)  # webhook_event.return_id refers to part_return


def upgrade() -> None:
    op.create_table('webhook',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_role', sa.String(length=16), nullable=False),
    sa.Column('owner_code', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('secret', sa.String(length=256), nullable=False),
    sa.Column('events', sa.Text(), nullable=False),
    sa.Column('from_event_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('deleted_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("owner_role in ('dealer', 'service_point')", name=op.f('ck_webhook_owner_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook'))
    )
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_owner', ['owner_role', 'owner_code'], unique=False)

    op.create_table('webhook_cursor',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_webhook_cursor'))
    )
    op.create_table('webhook_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('owner_role', sa.String(length=16), nullable=False),
    sa.Column('owner_code', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('requisition_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('return_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('quota_dealer', sa.String(length=16), nullable=True),
    sa.Column('quota_period', sa.String(length=7), nullable=True),
    sa.Column('quota_level', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['quota_dealer'], ['dealer.code'], name=op.f('fk_webhook_event_quota_dealer_dealer')),
    sa.ForeignKeyConstraint(['requisition_event_id'], ['requisition_event.id'], name=op.f('fk_webhook_event_requisition_event_id_requisition_event')),
    sa.ForeignKeyConstraint(['return_id'], ['part_return.id'], name=op.f('fk_webhook_event_return_id_part_return')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_event')),
    sa.UniqueConstraint('quota_dealer', 'quota_period', 'quota_level', name=op.f('uq_webhook_event_quota_dealer')),
    sa.UniqueConstraint('requisition_event_id', name=op.f('uq_webhook_event_requisition_event_id')),
    sa.UniqueConstraint('return_id', name=op.f('uq_webhook_event_return_id'))
    )
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_event_owner', ['owner_role', 'owner_code'], unique=False)

    op.create_table('webhook_delivery',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('webhook_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('replay_of', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim', sa.String(length=36), nullable=True),
    sa.Column('created_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('delivered_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('pending', 'delivered', 'failed', 'cancelled')", name=op.f('ck_webhook_delivery_status')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_webhook_delivery_attempts')),
    sa.ForeignKeyConstraint(['event_id'], ['webhook_event.id'], name=op.f('fk_webhook_delivery_event_id_webhook_event')),
    sa.ForeignKeyConstraint(['replay_of'], ['webhook_delivery.id'], name=op.f('fk_webhook_delivery_replay_of_webhook_delivery')),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhook.id'], name=op.f('fk_webhook_delivery_webhook_id_webhook')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_delivery_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_webhook_delivery_webhook', ['webhook_id', 'created_at'], unique=False)

    op.create_table('webhook_attempt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('delivery_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_delivery.id'], name=op.f('fk_webhook_attempt_delivery_id_webhook_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempt'))
    )
    with op.batch_alter_table('webhook_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_attempt_delivery_id'), ['delivery_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('webhook_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_attempt_delivery_id'))

    op.drop_table('webhook_attempt')
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_webhook')
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_event_id'))
        batch_op.drop_index('ix_webhook_delivery_due')

    op.drop_table('webhook_delivery')
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_event_owner')

    op.drop_table('webhook_event')
    op.drop_table('webhook_cursor')
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_owner')

    op.drop_table('webhook')

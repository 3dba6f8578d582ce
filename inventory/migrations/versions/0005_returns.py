"""returns: old-part and unused-part returns, and the charges they cause

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23 15:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('part_return',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('requisition_id', BIG_ID, nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('unit_price', inventory.db.Money(), nullable=False),
    sa.Column('service_point_code', sa.String(length=16), nullable=False),
    sa.Column('dealer_code', sa.String(length=16), nullable=True),
    sa.Column('warehouse_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('due_by', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('shipped_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('shipped_by', sa.String(length=64), nullable=True),
    sa.Column('overdue_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_by', sa.String(length=64), nullable=True),
    sa.Column('inspected_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('inspected_by', sa.String(length=64), nullable=True),
    sa.Column('closed_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind in ('old_part', 'unused')", name=op.f('ck_part_return_kind')),
    sa.CheckConstraint("outcome is null or outcome in ('defective_confirmed', 'no_fault_found', 'wrong_part')", name=op.f('ck_part_return_outcome')),
    sa.CheckConstraint('qty >= 1', name=op.f('ck_part_return_qty')),
    sa.CheckConstraint("status in ('expected', 'shipped', 'received', 'inspected', 'closed', 'overdue', 'cancelled')", name=op.f('ck_part_return_status')),
    sa.ForeignKeyConstraint(['dealer_code'], ['dealer.code'], name=op.f('fk_part_return_dealer_code_dealer')),
    sa.ForeignKeyConstraint(['requisition_id'], ['requisition.id'], name=op.f('fk_part_return_requisition_id_requisition')),
    sa.ForeignKeyConstraint(['service_point_code'], ['service_point.code'], name=op.f('fk_part_return_service_point_code_service_point')),
    sa.ForeignKeyConstraint(['sku'], ['part.sku'], name=op.f('fk_part_return_sku_part')),
    sa.ForeignKeyConstraint(['warehouse_code'], ['warehouse.code'], name=op.f('fk_part_return_warehouse_code_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part_return'))
    )
    with op.batch_alter_table('part_return', schema=None) as batch_op:
        batch_op.create_index('ix_part_return_dealer', ['dealer_code', 'id'], unique=False)
        batch_op.create_index('ix_part_return_point', ['service_point_code', 'id'], unique=False)
        batch_op.create_index('ix_part_return_requisition_sku', ['requisition_id', 'sku'], unique=False)
        batch_op.create_index('ix_part_return_status_due_by', ['status', 'due_by'], unique=False)

    op.create_table('return_charge',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('return_id', BIG_ID, nullable=False),
    sa.Column('service_point_code', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount', inventory.db.Money(), nullable=False),
    sa.Column('at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_return_charge_amount')),
    sa.CheckConstraint("kind in ('overdue', 'wrong_part')", name=op.f('ck_return_charge_kind')),
    sa.ForeignKeyConstraint(['return_id'], ['part_return.id'], name=op.f('fk_return_charge_return_id_part_return')),
    sa.ForeignKeyConstraint(['service_point_code'], ['service_point.code'], name=op.f('fk_return_charge_service_point_code_service_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_charge')),
    sa.UniqueConstraint('return_id', 'kind', name=op.f('uq_return_charge_return_id'))
    )
    with op.batch_alter_table('return_charge', schema=None) as batch_op:
        batch_op.create_index('ix_return_charge_point_at', ['service_point_code', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('return_charge', schema=None) as batch_op:
        batch_op.drop_index('ix_return_charge_point_at')

    op.drop_table('return_charge')
    with op.batch_alter_table('part_return', schema=None) as batch_op:
        batch_op.drop_index('ix_part_return_status_due_by')
        batch_op.drop_index('ix_part_return_requisition_sku')
        batch_op.drop_index('ix_part_return_point')
        batch_op.drop_index('ix_part_return_dealer')

    op.drop_table('part_return')

"""appliance: the appliance on a repair ticket; each requisition line's warranty decision

A ticket records the appliance (product line, use, model, serial, purchase date, proof) and the
fault; each requisition line carries whether it is free, on which basis, until when, and HQ's
override. Lines that existed before keep their requisition's `in_warranty` (the caller's word,
then) with no basis, so quota credits and expected returns already owed do not change.

Revision ID: 0015_appliance
Revises: 0003
Create Date: 2026-12-16 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0015_appliance'
down_revision = '0003'
branch_labels = None
depends_on = None

PROOF_CHECK = "proof IS NULL OR (proof IN ('invoice', 'warranty_card') AND purchased_on IS NOT NULL)"


def upgrade() -> None:
    op.create_table('ticket_appliance',
    sa.Column('ticket_code', sa.String(length=64), nullable=False),
    sa.Column('product_line', sa.String(length=8), nullable=False),
    sa.Column('use', sa.String(length=12), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('purchased_on', sa.Date(), nullable=True),
    sa.Column('proof', sa.String(length=16), nullable=True),
    sa.Column('fault', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("product_line IN ('washer', 'ac')", name=op.f('ck_ticket_appliance_product_line')),
    sa.CheckConstraint("use IN ('household', 'commercial')", name=op.f('ck_ticket_appliance_use')),
    sa.CheckConstraint(PROOF_CHECK, name=op.f('ck_ticket_appliance_proof')),
    sa.PrimaryKeyConstraint('ticket_code', name=op.f('pk_ticket_appliance'))
    )
    with op.batch_alter_table('ticket_appliance', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_appliance_serial', ['serial'], unique=False)

    with op.batch_alter_table('requisition_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_warranty', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('warranty_basis', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('warranty_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('warranty_computed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('warranty_override_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('warranty_override_at', inventory.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('warranty_override_reason', sa.Text(), nullable=True))
    op.execute(sa.text("UPDATE requisition_line SET in_warranty = (SELECT requisition.in_warranty FROM requisition "
                       "WHERE requisition.id = requisition_line.requisition_id)"))
    with op.batch_alter_table('requisition_line', schema=None) as batch_op:
        batch_op.alter_column('in_warranty', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('requisition_line', schema=None) as batch_op:
        batch_op.drop_column('warranty_override_reason')
        batch_op.drop_column('warranty_override_at')
        batch_op.drop_column('warranty_override_by')
        batch_op.drop_column('warranty_computed')
        batch_op.drop_column('warranty_until')
        batch_op.drop_column('warranty_basis')
        batch_op.drop_column('in_warranty')
    with op.batch_alter_table('ticket_appliance', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_appliance_serial')
    op.drop_table('ticket_appliance')

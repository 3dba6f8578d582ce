"""parts wait causes: HQ's parts module confirms or corrects a line's cause; the centre's fine key

The centre's per-role fine now applies to a ticket over 7 days through the centre's cause
(shortage or wrong dispatch), so its policy key is renamed and an HQ override follows it.

Revision ID: 0014_parts_wait_cause
Revises: 0003
Create Date: 2026-12-14 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0014_parts_wait_cause'
down_revision = '0003'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
WAREHOUSE_CHECK = ("(warehouse_code IS NOT NULL) = (cause IN ('regional_late_shipment', "
                   "'regional_wrong_part'))")
OLD_KEY, NEW_KEY = 'fine_regional_shortage_per_role', 'fine_center_over_7d_per_role'


def _rename_policy_key(old: str, new: str) -> None:
    op.execute(sa.text("UPDATE policy_setting SET key = :new WHERE key = :old").bindparams(old=old, new=new))


def upgrade() -> None:
    op.create_table('parts_wait_cause',
    sa.Column('line_id', BigId, autoincrement=False, nullable=False),
    sa.Column('ticket_code', sa.String(length=64), nullable=False),
    sa.Column('cause', sa.String(length=32), nullable=False),
    sa.Column('warehouse_code', sa.String(length=16), nullable=True),
    sa.Column('automatic_cause', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('confirmed_by', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint(WAREHOUSE_CHECK, name=op.f('ck_parts_wait_cause_warehouse')),
    sa.ForeignKeyConstraint(['line_id'], ['requisition_line.id'],
                            name=op.f('fk_parts_wait_cause_line_id_requisition_line')),
    sa.ForeignKeyConstraint(['warehouse_code'], ['warehouse.code'],
                            name=op.f('fk_parts_wait_cause_warehouse_code_warehouse')),
    sa.PrimaryKeyConstraint('line_id', name=op.f('pk_parts_wait_cause'))
    )
    with op.batch_alter_table('parts_wait_cause', schema=None) as batch_op:
        batch_op.create_index('ix_parts_wait_cause_ticket', ['ticket_code'], unique=False)
    _rename_policy_key(OLD_KEY, NEW_KEY)


def downgrade() -> None:
    _rename_policy_key(NEW_KEY, OLD_KEY)
    with op.batch_alter_table('parts_wait_cause', schema=None) as batch_op:
        batch_op.drop_index('ix_parts_wait_cause_ticket')

    op.drop_table('parts_wait_cause')

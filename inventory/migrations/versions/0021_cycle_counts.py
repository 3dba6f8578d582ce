"""cycle counts: a warehouse's day of blind counts and its lines (variance, tolerance, HQ decision)

Revision ID: 0021_cycle_counts
Revises: 0003
Create Date: 2026-12-05 19:10:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0021_cycle_counts'
down_revision = '0003'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('cycle_count',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('warehouse_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.String(length=64), nullable=True),
    sa.Column('submitted_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('counting', 'submitted', 'closed')", name=op.f('ck_cycle_count_status')),
    sa.ForeignKeyConstraint(['warehouse_code'], ['warehouse.code'],
                            name=op.f('fk_cycle_count_warehouse_code_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_count'))
    )
    with op.batch_alter_table('cycle_count', schema=None) as batch_op:
        batch_op.create_index('ix_cycle_count_warehouse_status', ['warehouse_code', 'status'], unique=False)

    op.create_table('cycle_count_line',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('count_id', BigId, nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('abc_class', sa.String(length=1), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=True),
    sa.Column('book', sa.Integer(), nullable=True),
    sa.Column('variance', sa.Integer(), nullable=True),
    sa.Column('unit_cost', inventory.db.Money(), nullable=True),
    sa.Column('variance_value', inventory.db.Money(), nullable=True),
    sa.Column('within_tolerance', sa.Boolean(), nullable=True),
    sa.Column('posted_delta', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.CheckConstraint("abc_class in ('A', 'B', 'C')", name=op.f('ck_cycle_count_line_abc_class')),
    sa.CheckConstraint('book IS NULL OR book >= 0', name=op.f('ck_cycle_count_line_book')),
    sa.CheckConstraint('counted IS NULL OR counted >= 0', name=op.f('ck_cycle_count_line_counted')),
    sa.CheckConstraint("status in ('to_count', 'posted', 'awaiting_approval', 'approved', 'rejected')",
                       name=op.f('ck_cycle_count_line_status')),
    sa.ForeignKeyConstraint(['count_id'], ['cycle_count.id'],
                            name=op.f('fk_cycle_count_line_count_id_cycle_count'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sku'], ['part.sku'], name=op.f('fk_cycle_count_line_sku_part')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_count_line')),
    sa.UniqueConstraint('count_id', 'sku', name='uq_cycle_count_line_count_sku')
    )
    with op.batch_alter_table('cycle_count_line', schema=None) as batch_op:
        batch_op.create_index('ix_cycle_count_line_sku', ['sku'], unique=False)
        batch_op.create_index('ix_cycle_count_line_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cycle_count_line', schema=None) as batch_op:
        batch_op.drop_index('ix_cycle_count_line_status')
        batch_op.drop_index('ix_cycle_count_line_sku')
    op.drop_table('cycle_count_line')
    with op.batch_alter_table('cycle_count', schema=None) as batch_op:
        batch_op.drop_index('ix_cycle_count_warehouse_status')
    op.drop_table('cycle_count')

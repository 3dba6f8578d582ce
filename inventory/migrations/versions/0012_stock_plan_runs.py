"""stock plan runs: a plan asked for by HQ or the weekly job, and how it went

Revision ID: 0012_stock_plan_runs
Revises: 0011
Create Date: 2026-12-14 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0012_stock_plan_runs'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stock_plan_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', inventory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('budget', inventory.db.Money(), nullable=True),
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('purchase_orders_proposed', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['stock_plan.id'], name=op.f('fk_stock_plan_run_plan_id_stock_plan'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_plan_run'))
    )


def downgrade() -> None:
    op.drop_table('stock_plan_run')

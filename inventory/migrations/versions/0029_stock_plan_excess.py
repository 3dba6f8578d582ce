"""stock plans record the excess they found at HQ

`excess_value` is the RMB at cost of the units HQ held above every level of the last plan when
a plan was made (`optimizer.stock_plan.hq_excess`). The plans of a budget year add it up, so a
later plan knows how much of the year's average stock the excess has already taken. Rows from
before it have none (counted as no excess).

Revision ID: 0029_stock_plan_excess
Revises: 0028_run_heartbeat
Create Date: 2026-12-06 12:55:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0029_stock_plan_excess'
down_revision = '0028_run_heartbeat'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stock_plan') as batch:
        batch.add_column(sa.Column('excess_value', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stock_plan') as batch:
        batch.drop_column('excess_value')

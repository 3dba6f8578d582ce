"""stock plans record the stock held their self-correction ran on

`held_value` is the RMB at cost of the stock the network held when a plan was made, less HQ's
excess (what `optimizer.stock_plan.placed_budget` compared with the budget). Later plans compare
it with what the plan before them expected (`held_ratio`), to learn how far held stock runs under
the model's expectation. Rows from before it have none (not counted).

Revision ID: 0030_stock_plan_held
Revises: 0029_stock_plan_excess
Create Date: 2026-12-06 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0030_stock_plan_held'
down_revision = '0029_stock_plan_excess'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stock_plan') as batch:
        batch.add_column(sa.Column('held_value', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stock_plan') as batch:
        batch.drop_column('held_value')

"""stock plan money in cents, and the budget a plan placed this week

A plan's budget and expected stock were floats; money is kept as integer cents like every
other amount. `placed_budget` records what the week's plan placed (the budget's share for the
season, self-corrected), null for plans kept before it was recorded.

Revision ID: 0019_stock_plan_money
Revises: 0012_stock_plan_runs
Create Date: 2026-12-05 19:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_stock_plan_money'
down_revision = '0012_stock_plan_runs'
branch_labels = None
depends_on = None

COLUMNS = ('budget', 'stock_value')


def upgrade() -> None:
    for column in COLUMNS:
        op.execute(sa.text(f"UPDATE stock_plan SET {column} = ROUND({column} * 100)"))
    with op.batch_alter_table('stock_plan') as batch:
        for column in COLUMNS:
            batch.alter_column(column, existing_type=sa.Float(), type_=sa.BigInteger(), existing_nullable=False,
                               postgresql_using=f"{column}::bigint")
        batch.add_column(sa.Column('placed_budget', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stock_plan') as batch:
        batch.drop_column('placed_budget')
        for column in COLUMNS:
            batch.alter_column(column, existing_type=sa.BigInteger(), type_=sa.Float(), existing_nullable=False)
    for column in COLUMNS:
        op.execute(sa.text(f"UPDATE stock_plan SET {column} = {column} / 100.0"))

"""runs record the task message that took them and how often the stall sweep re-sent them

`task_id` is the id of the task message that started an optimizer or stock plan run: only that
message, redelivered after its worker died, may carry on with a running run; a second message
for the same run does nothing. `requeued` / `requeued_at`: the sweep re-sent the run's task
because it stayed queued (its message lost by the broker).

Revision ID: 0027_run_requeue
Revises: 0019_stock_plan_money (stock_plan_run), depends on 0007 (optimizer_run)
Create Date: 2026-12-06 02:30:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0027_run_requeue'
down_revision = '0019_stock_plan_money'
branch_labels = None
depends_on = ('0007',)  # optimizer_run

TABLES = ('optimizer_run', 'stock_plan_run')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('task_id', sa.String(length=64), nullable=True))
            batch.add_column(sa.Column('requeued', sa.Integer(), server_default='0', nullable=False))
            batch.add_column(sa.Column('requeued_at', inventory.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('requeued_at')
            batch.drop_column('requeued')
            batch.drop_column('task_id')

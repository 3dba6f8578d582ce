"""runs record their running start's heartbeat

`heartbeat_at` is when the start running an optimizer or stock plan run last showed life (at
each stage, and every 30 s while it reads and solves). Beat's sweep sends a run `running` with
no heartbeat for `RUNS_STALLED_RUNNING_SECONDS` again: its worker died and its message never
came back. Rows from before it have none: the sweep counts from `started_at`.

Revision ID: 0028_run_heartbeat
Revises: 0027_run_requeue
Create Date: 2026-12-06 05:30:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0028_run_heartbeat'
down_revision = '0027_run_requeue'
branch_labels = None
depends_on = None

TABLES = ('optimizer_run', 'stock_plan_run')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('heartbeat_at', inventory.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('heartbeat_at')

"""wrong part: record on an allocation that its units arrived as another part (错发)

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-24 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0008'
down_revision = '0003'
branch_labels = None
depends_on = None

WRONG_PART_CHECK = ("wrong_part_at IS NULL OR (status = 'released' AND wrong_part_sku IS NOT NULL "
                    "AND shipped_at IS NOT NULL)")


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key or CHECK to an existing table, so Alembic
    # copies the table there (its other constraints are reflected and kept); PostgreSQL alters it.
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrong_part_at', inventory.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('wrong_part_sku', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('wrong_part_by', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_allocation_wrong_part_sku_part'), 'part',
                                    ['wrong_part_sku'], ['sku'])
        batch_op.create_check_constraint(batch_op.f('ck_allocation_wrong_part'), WRONG_PART_CHECK)


def downgrade() -> None:
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_allocation_wrong_part'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_allocation_wrong_part_sku_part'), type_='foreignkey')
        batch_op.drop_column('wrong_part_by')
        batch_op.drop_column('wrong_part_sku')
        batch_op.drop_column('wrong_part_at')

"""supersession: replaced part numbers (替代件) and the sku each allocation ships

Revision ID: 0024_supersession
Revises: 0003
Create Date: 2026-12-05 22:10:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0024_supersession'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('part_supersession',
    sa.Column('old_sku', sa.String(length=40), nullable=False),
    sa.Column('new_sku', sa.String(length=40), nullable=False),
    sa.Column('two_way', sa.Boolean(), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('old_sku <> new_sku', name=op.f('ck_part_supersession_not_self')),
    sa.ForeignKeyConstraint(['new_sku'], ['part.sku'], name=op.f('fk_part_supersession_new_sku_part')),
    sa.ForeignKeyConstraint(['old_sku'], ['part.sku'], name=op.f('fk_part_supersession_old_sku_part')),
    sa.PrimaryKeyConstraint('old_sku', name=op.f('pk_part_supersession'))
    )
    with op.batch_alter_table('part_supersession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_part_supersession_new_sku'), ['new_sku'], unique=False)

    # Every allocation so far shipped its line's own sku.
    op.add_column('allocation', sa.Column('sku', sa.String(length=40), nullable=True))
    op.execute("UPDATE allocation SET sku = (SELECT requisition_line.sku FROM requisition_line "
               "WHERE requisition_line.id = allocation.line_id)")
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.alter_column('sku', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_allocation_sku_part'), 'part', ['sku'], ['sku'])


def downgrade() -> None:
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_allocation_sku_part'), type_='foreignkey')
        batch_op.drop_column('sku')
    with op.batch_alter_table('part_supersession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_part_supersession_new_sku'))
    op.drop_table('part_supersession')

"""bins: a sku's bin location at a warehouse (库位), and API keys for a warehouse's clerk

`bin_location` is master data (one bin per warehouse and sku). API keys gain the role `clerk`,
bound to a warehouse by its code, so a warehouse's clerk (or its own system) keeps that
warehouse's bins through the API. It revises 0017_center_role, the revision that last set the
role CHECK of `api_key`.

Revision ID: 0023_bins
Revises: 0017_center_role
Create Date: 2026-12-05 22:20:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0023_bins'
down_revision = '0017_center_role'
branch_labels = None
depends_on = None

OLD_KEY_ROLES = "role in ('dealer', 'service_point', 'call_center', 'hq', 'center')"
NEW_KEY_ROLES = "role in ('dealer', 'service_point', 'call_center', 'hq', 'center', 'clerk')"


def upgrade() -> None:
    op.create_table('bin_location',
    sa.Column('warehouse_code', sa.String(length=16), nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('bin', sa.String(length=20), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("bin <> ''", name=op.f('ck_bin_location_bin')),
    sa.ForeignKeyConstraint(['sku'], ['part.sku'], name=op.f('fk_bin_location_sku_part')),
    sa.ForeignKeyConstraint(['warehouse_code'], ['warehouse.code'],
                            name=op.f('fk_bin_location_warehouse_code_warehouse')),
    sa.PrimaryKeyConstraint('warehouse_code', 'sku', name=op.f('pk_bin_location'))
    )
    with op.batch_alter_table('bin_location', schema=None) as batch_op:
        batch_op.create_index('ix_bin_location_warehouse_bin', ['warehouse_code', 'bin'], unique=False)
    # Batch mode: SQLite cannot alter a CHECK in place, so Alembic copies the table there.
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_api_key_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_api_key_role'), NEW_KEY_ROLES)


def downgrade() -> None:
    # A clerk's key cannot exist under the old CHECK: it goes with the role.
    op.execute(sa.text("DELETE FROM api_key WHERE role = 'clerk'"))
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_api_key_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_api_key_role'), OLD_KEY_ROLES)
    with op.batch_alter_table('bin_location', schema=None) as batch_op:
        batch_op.drop_index('ix_bin_location_warehouse_bin')
    op.drop_table('bin_location')

"""customer prices: parts' list prices, service points' city tiers, overcharge penalties

Out-of-warranty money (seed 003, 10 保修期外收费标准): the customer pays a part at its list
price and a visit fee by the point's city tier; a point found overcharging pays ten times the
excess. Existing points get the tier their master data implies (remote: county; in town: a
municipality's own, else prefecture; `inventory.network.derive_city_tier`).

The new columns are added in place (no table copy on SQLite, where `part` and `service_point`
are referenced by many tables); their CHECKs are added on PostgreSQL, and SQLite keeps the
server default that filled the existing rows.

Revision ID: 0016_customer_prices
Revises: 0003
Create Date: 2026-12-15 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0016_customer_prices'
down_revision = '0003'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TIERS = "city_tier in ('municipality', 'provincial_capital', 'prefecture', 'county')"
DERIVE_TIER = ("UPDATE service_point SET city_tier = CASE WHEN distance_class = 'remote' THEN 'county' "
               "WHEN province IN ('北京', '天津', '上海', '重庆') THEN 'municipality' ELSE 'prefecture' END")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column('part', sa.Column('list_price', inventory.db.Money(), nullable=True))
    op.add_column('service_point', sa.Column('city_tier', sa.String(length=24), nullable=False,
                                             server_default='prefecture'))
    op.execute(DERIVE_TIER)
    if postgres:
        op.alter_column('service_point', 'city_tier', server_default=None)
        op.create_check_constraint(op.f('ck_part_list_price'), 'part', 'list_price >= 0')
        op.create_check_constraint(op.f('ck_service_point_city_tier'), 'service_point', TIERS)
    op.create_table('overcharge_penalty',
    sa.Column('id', BigId, nullable=False),
    sa.Column('service_point_code', sa.String(length=16), nullable=False),
    sa.Column('ticket', sa.String(length=64), nullable=True),
    sa.Column('charged', inventory.db.Money(), nullable=False),
    sa.Column('allowed', inventory.db.Money(), nullable=False),
    sa.Column('excess', inventory.db.Money(), nullable=False),
    sa.Column('multiple', sa.Integer(), nullable=False),
    sa.Column('amount', inventory.db.Money(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', inventory.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('allowed >= 0', name=op.f('ck_overcharge_penalty_allowed')),
    sa.CheckConstraint('charged > allowed', name=op.f('ck_overcharge_penalty_charged')),
    sa.CheckConstraint('excess = charged - allowed', name=op.f('ck_overcharge_penalty_excess')),
    sa.CheckConstraint('multiple >= 1', name=op.f('ck_overcharge_penalty_multiple')),
    sa.CheckConstraint('amount = excess * multiple', name=op.f('ck_overcharge_penalty_amount')),
    sa.ForeignKeyConstraint(['service_point_code'], ['service_point.code'],
                            name=op.f('fk_overcharge_penalty_service_point_code_service_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_overcharge_penalty'))
    )
    with op.batch_alter_table('overcharge_penalty', schema=None) as batch_op:
        batch_op.create_index('ix_overcharge_penalty_point_at', ['service_point_code', 'recorded_at'], unique=False)
        batch_op.create_index('ix_overcharge_penalty_recorded_at', ['recorded_at'], unique=False)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('overcharge_penalty', schema=None) as batch_op:
        batch_op.drop_index('ix_overcharge_penalty_recorded_at')
        batch_op.drop_index('ix_overcharge_penalty_point_at')
    op.drop_table('overcharge_penalty')
    if postgres:
        op.drop_constraint(op.f('ck_service_point_city_tier'), 'service_point', type_='check')
        op.drop_constraint(op.f('ck_part_list_price'), 'part', type_='check')
    op.drop_column('service_point', 'city_tier')
    op.drop_column('part', 'list_price')

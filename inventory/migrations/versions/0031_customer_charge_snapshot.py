"""customer charges frozen at submit: a line's customer price and basis, whether the unit was
covered, and a requisition's visit fees by tier

What a customer owes is fixed when the price is (`inventory.customer_charges`): later changes to
a list price, the markup, a visit fee or a point's city tier no longer alter an issued line, a
closed month's statement or an overcharge's `allowed`.

Existing rows are priced AS OF THIS MIGRATION: each line at its part's list price now (else unit
cost x the policy's `list_price_markup` now, rounded up to whole yuan), each requisition with a
ticket at its point's city tier and the policy's visit fees now. Their history before the
migration is not known, so this is the best snapshot there is. `unit_covered` stays NULL on
existing lines: NULL changes no visit fee, so an issued requisition keeps the rule it was issued
under (a visit fee only with a paid line). Filling it from the basis would have charged a visit
on lines HQ overrode to free and on household air conditioners past six years, restating closed
months; a line decided again (its ticket's appliance or dispatch changed) gets the engine's word.

Revision ID: 0031_customer_charge_snapshot
Revises: 0003 (depends on 0015_appliance and 0016_customer_prices)
Create Date: 2026-12-20 12:00:00
"""
from decimal import ROUND_CEILING, Decimal

from alembic import op
import sqlalchemy as sa
import inventory.db


revision = '0031_customer_charge_snapshot'
down_revision = '0003'  # a branch of its own, as the others: `0016_customer_prices@-1` stays that revision's
branch_labels = None
depends_on = ('0015_appliance', '0016_customer_prices')  # warranty_basis; list_price, city_tier

# The policy's seed defaults as they stood at this revision (HQ's rows in policy_setting win).
DEFAULTS = {"list_price_markup": "1.80", "visit_fee_municipality": "40.00", "visit_fee_provincial_capital": "30.00",
            "visit_fee_prefecture": "25.00", "visit_fee_county": "22.00", "visit_fee_in_shop": "10.00"}
TIERS = ("municipality", "provincial_capital", "prefecture", "county")

part = sa.table('part', sa.column('sku', sa.String), sa.column('unit_cost', inventory.db.Money()),
                sa.column('list_price', inventory.db.Money()))
line = sa.table('requisition_line', sa.column('sku', sa.String), sa.column('customer_price', inventory.db.Money()),
                sa.column('price_basis', sa.String))
requisition = sa.table('requisition', sa.column('ticket', sa.String), sa.column('service_point_code', sa.String),
                       sa.column('visit_fee_tier', sa.String), sa.column('visit_fee', inventory.db.Money()),
                       sa.column('in_shop_fee', inventory.db.Money()))
point = sa.table('service_point', sa.column('code', sa.String), sa.column('city_tier', sa.String))
setting = sa.table('policy_setting', sa.column('key', sa.String), sa.column('value', sa.Text))


def _policy(conn) -> dict[str, Decimal]:
    rows = dict(conn.execute(sa.select(setting.c.key, setting.c.value).where(setting.c.key.in_(list(DEFAULTS)))).all())
    return {key: Decimal(rows.get(key, default)) for key, default in DEFAULTS.items()}


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def upgrade() -> None:
    # In place (ALTER TABLE ... ADD/DROP COLUMN, no table copy on SQLite, where both tables are referenced)
    op.add_column('requisition_line', sa.Column('customer_price', inventory.db.Money(), nullable=True))
    op.add_column('requisition_line', sa.Column('price_basis', sa.String(length=8), nullable=True))
    op.add_column('requisition_line', sa.Column('unit_covered', sa.Boolean(), nullable=True))
    op.add_column('requisition', sa.Column('visit_fee_tier', sa.String(length=24), nullable=True))
    op.add_column('requisition', sa.Column('visit_fee', inventory.db.Money(), nullable=True))
    op.add_column('requisition', sa.Column('in_shop_fee', inventory.db.Money(), nullable=True))

    conn = op.get_bind()
    policy = _policy(conn)
    markup = policy["list_price_markup"]
    prices = []
    for sku, unit_cost, list_price in conn.execute(
            sa.select(part.c.sku, part.c.unit_cost, part.c.list_price)
            .where(part.c.sku.in_(sa.select(line.c.sku).distinct()))):
        if list_price is not None:
            prices.append({"s": sku, "p": list_price, "b": "list"})
        else:  # catalog.markup_price as it stood at this revision
            price = (Decimal(unit_cost) * markup).to_integral_value(rounding=ROUND_CEILING)
            prices.append({"s": sku, "p": _money(price), "b": "markup"})
    if prices:
        conn.execute(line.update().where(line.c.sku == sa.bindparam("s"))
                     .values(customer_price=sa.bindparam("p", type_=inventory.db.Money()),
                             price_basis=sa.bindparam("b")), prices)
    for tier in TIERS:
        conn.execute(requisition.update()
                     .where(requisition.c.ticket.is_not(None),
                            requisition.c.service_point_code.in_(sa.select(point.c.code)
                                                                 .where(point.c.city_tier == tier)))
                     .values(visit_fee_tier=tier, visit_fee=_money(policy[f"visit_fee_{tier}"]),
                             in_shop_fee=_money(policy["visit_fee_in_shop"])))


def downgrade() -> None:
    for column in ('in_shop_fee', 'visit_fee', 'visit_fee_tier'):
        op.drop_column('requisition', column)
    for column in ('unit_covered', 'price_basis', 'customer_price'):
        op.drop_column('requisition_line', column)

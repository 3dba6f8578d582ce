"""The parts catalogue (配件目录) and its customer price list (零部件收费标准).

`unit_price` is what a dealer or point pays HQ (quota); `list_price` is what an out-of-warranty
customer pays for the part (seed 003: 所更换零部件按企业公布零部件收费标准实施). A part with no
list price is priced at its unit cost times the policy's `list_price_markup`, rounded up to
whole yuan, so the amount a point must collect is always known.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import Boolean, CheckConstraint, Float, String, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import audit
from .db import Base, Money, to_money
from .errors import InvalidInput

MAX_LIST_PRICE = Decimal("1000000.00")
PRICE_BASES = ("list", "markup")


class Part(Base):
    """One sku. `key_component` (主要部件) sets its warranty; `returnable` makes its old part come back."""

    __tablename__ = "part"
    __table_args__ = (
        CheckConstraint("unit_price >= 0", name="unit_price"),
        CheckConstraint("unit_cost >= 0", name="unit_cost"),
        CheckConstraint("list_price >= 0", name="list_price"),
    )
    sku: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    weight_kg: Mapped[float] = mapped_column(Float, default=0.0)
    key_component: Mapped[bool] = mapped_column(Boolean, default=False)
    returnable: Mapped[bool] = mapped_column(Boolean, default=False)
    family: Mapped[str] = mapped_column(String(40))
    annual_demand: Mapped[float | None] = mapped_column(Float)
    season: Mapped[str | None] = mapped_column(String(16))
    list_price: Mapped[Decimal | None] = mapped_column(Money)


def search_parts(session: Session, q: str, *, offset: int, limit: int) -> tuple[list[Part], int]:
    """One page of the parts whose sku or name contains `q` (any case; every part when blank), by
    sku, and how many there are in all. `%` and `_` in `q` are themselves, not wildcards."""
    cond = True
    if q:
        cond = or_(Part.sku.icontains(q, autoescape=True), Part.name.icontains(q, autoescape=True))
    total = session.scalar(select(func.count()).select_from(Part).where(cond))
    parts = session.scalars(select(Part).where(cond).order_by(Part.sku).offset(offset).limit(limit)).all()
    return list(parts), total


def markup_price(unit_cost: Decimal, markup: Decimal) -> Decimal:
    """Unit cost times the markup, rounded up to whole yuan (how a price list is written)."""
    return to_money((Decimal(unit_cost) * Decimal(markup)).to_integral_value(rounding=ROUND_CEILING))


def customer_price(part: Part, markup: Decimal) -> tuple[Decimal, str]:
    """What the customer pays for one unit out of warranty, and on which basis (`list`, `markup`)."""
    if part.list_price is not None:
        return part.list_price, "list"
    return markup_price(part.unit_cost, markup), "markup"


def check_list_price(sku: str, value) -> Decimal:
    """A list price as Decimal RMB: 0 up to MAX_LIST_PRICE, at most two decimals, never a float."""
    if isinstance(value, (float, bool)) or value is None:
        raise InvalidInput(f"{sku}: list_price must be a decimal string such as \"168.00\"",
                           code="list_price.not_decimal", field="list_price", sku=sku)
    try:
        price = Decimal(value)
    except Exception:  # noqa: BLE001 - any unreadable value gets the same answer
        raise InvalidInput(f"{sku}: list_price {value!r} is not a number", code="list_price.not_a_number",
                           field="list_price", sku=sku, value=value) from None
    if not price.is_finite() or price < 0 or price > MAX_LIST_PRICE:
        raise InvalidInput(f"{sku}: list_price must be between 0.00 and {MAX_LIST_PRICE}",
                           code="list_price.out_of_range", field="list_price", sku=sku, most=MAX_LIST_PRICE)
    if price != price.quantize(Decimal("0.01")):
        raise InvalidInput(f"{sku}: list_price must have at most two decimal places", code="list_price.too_precise",
                           field="list_price", sku=sku)
    return to_money(price)


def set_list_prices(session: Session, prices: Mapping[str, object], *, actor: str, source: str) -> int:
    """Set the list price of each sku given, all or none (an unknown sku refuses the lot); audited
    once with every change. Returns how many prices changed. The caller's transaction commits."""
    checked = {sku: check_list_price(sku, value) for sku, value in prices.items()}
    if not checked:
        raise InvalidInput("no list prices given", code="list_price.none_given", field="prices")
    parts = {p.sku: p for p in session.scalars(select(Part).where(Part.sku.in_(list(checked)))
                                                .with_for_update())}
    unknown = sorted(set(checked) - set(parts))
    if unknown:
        raise InvalidInput(f"unknown sku {unknown[0]!r}" + (f" and {len(unknown) - 1} more" if len(unknown) > 1 else ""),
                           code="list_price.unknown_sku", field="sku", sku=unknown[0])
    changes = {}
    for sku, price in sorted(checked.items()):
        part = parts[sku]
        if part.list_price != price:
            changes[sku] = [None if part.list_price is None else str(part.list_price), str(price)]
            part.list_price = price
    if changes:
        audit.record(session, actor, "catalog.list_prices", f"list_prices:{len(changes)}", source=source,
                     changes=changes)
    session.flush()
    return len(changes)

"""The parts catalogue (配件目录)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, Money


class Part(Base):
    """One sku. `key_component` (主要部件) sets its warranty; `returnable` makes its old part come back."""

    __tablename__ = "part"
    __table_args__ = (
        CheckConstraint("unit_price >= 0", name="unit_price"),
        CheckConstraint("unit_cost >= 0", name="unit_cost"),
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

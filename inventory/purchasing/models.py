"""Purchasing tables: suppliers, the parts each sells on which terms, purchase orders and their lines."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, Money, UTCDateTime

PO_STATUSES = ("proposed", "open", "partially_received", "received", "closed_short", "rejected")
OPEN = ("open", "partially_received")
BigId = BigInteger().with_variant(Integer, "sqlite")


class Supplier(Base):
    """A supplier (供应商) and its usual lead time from order to delivery at HQ."""

    __tablename__ = "supplier"
    __table_args__ = (CheckConstraint("lead_days >= 0", name="lead_days"),)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_days: Mapped[int] = mapped_column(Integer)


class SupplierPart(Base):
    """What a supplier sells of a sku: its price, the least it ships and the pack it ships in."""

    __tablename__ = "supplier_part"
    __table_args__ = (
        CheckConstraint("unit_price >= 0", name="unit_price"),
        CheckConstraint("min_order >= 1", name="min_order"),
        CheckConstraint("pack_size >= 1", name="pack_size"),
        Index("ix_supplier_part_sku", "sku"),
    )
    supplier_code: Mapped[str] = mapped_column(ForeignKey("supplier.code"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"), primary_key=True)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    min_order: Mapped[int] = mapped_column(Integer, default=1)
    pack_size: Mapped[int] = mapped_column(Integer, default=1)


class PurchaseOrder(Base):
    """A purchase order (采购订单) to one supplier, delivered to HQ: proposed by the plan,
    approved (open) by HQ, received in one or more parts, or closed short."""

    __tablename__ = "purchase_order"
    __table_args__ = (
        CheckConstraint("status in ('proposed', 'open', 'partially_received', 'received', 'closed_short', "
                        "'rejected')", name="status"),
        Index("ix_purchase_order_status", "status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    supplier_code: Mapped[str] = mapped_column(ForeignKey("supplier.code"))
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_note: Mapped[str | None] = mapped_column(String(200))
    lines: Mapped[list[PurchaseOrderLine]] = relationship(order_by="PurchaseOrderLine.id", lazy="selectin")

    @property
    def code(self) -> str:
        return format_code(self.id)


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_line"
    __table_args__ = (
        CheckConstraint("qty >= 1", name="qty"),
        CheckConstraint("qty_received >= 0", name="qty_received"),
        Index("ix_purchase_order_line_sku", "sku"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    qty_received: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def outstanding(self) -> int:
        return max(0, self.qty - self.qty_received)


def format_code(number: int) -> str:
    return f"PO{number:08d}"


def parse_code(code: str) -> int | None:
    if isinstance(code, str) and code.startswith("PO") and code[2:].isdigit() and len(code) <= 20:
        return int(code[2:])
    return None

"""Return tables: one row per parcel of returned units, and the charges a return caused.

Quarantine: defective, no-fault old, and wrong parts never enter the stock ledger. Issued
units left `on_hand` when they shipped; a returned unit re-enters the ledger (`return_in`)
only when an unused part is inspected good. Everything else the warehouse holds because of
a return is listed by its return row (received or inspected, not yet closed): the return
table *is* the quarantine register, so no pseudo-warehouse can leak into availability,
allocation or the optimizer. Closing a return records its disposal.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, Money, UTCDateTime
from ..requisitions.models import Requisition

BigId = BigInteger().with_variant(Integer, "sqlite")
KINDS = ("old_part", "unused")
# `cancelled`: an expected old part withdrawn because the unit came back unused instead.
STATUSES = ("expected", "shipped", "received", "inspected", "closed", "overdue", "cancelled")
OUTCOMES = ("defective_confirmed", "no_fault_found", "wrong_part")
CHARGE_KINDS = ("overdue", "wrong_part")
CODE_PREFIX = "RT"


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Return(Base):
    """Units of one requisition line going back to the warehouse that issued them."""

    __tablename__ = "part_return"
    __table_args__ = (
        CheckConstraint("qty >= 1", name="qty"),
        CheckConstraint(f"kind in ({_in(KINDS)})", name="kind"),
        CheckConstraint(f"status in ({_in(STATUSES)})", name="status"),
        CheckConstraint(f"outcome is null or outcome in ({_in(OUTCOMES)})", name="outcome"),
        Index("ix_part_return_requisition_sku", "requisition_id", "sku"),
        Index("ix_part_return_status_due_by", "status", "due_by"),
        Index("ix_part_return_point", "service_point_code", "id"),
        Index("ix_part_return_dealer", "dealer_code", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisition.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    service_point_code: Mapped[str] = mapped_column(ForeignKey("service_point.code"))
    dealer_code: Mapped[str | None] = mapped_column(ForeignKey("dealer.code"))
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"))
    status: Mapped[str] = mapped_column(String(12))
    due_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_by: Mapped[str | None] = mapped_column(String(64))
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by: Mapped[str | None] = mapped_column(String(64))
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inspected_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    requisition: Mapped[Requisition] = relationship(lazy="joined", innerjoin=True)
    charges: Mapped[list[ReturnCharge]] = relationship(
        back_populates="part_return", order_by="ReturnCharge.id", lazy="selectin")

    @property
    def code(self) -> str:
        return format_code(self.id)

    @property
    def requisition_code(self) -> str:
        return self.requisition.code

    @property
    def ticket(self) -> str | None:
        return self.requisition.ticket


def format_code(number: int) -> str:
    return f"{CODE_PREFIX}{number:08d}"


def parse_code(code: str) -> int | None:
    digits = code[len(CODE_PREFIX):] if isinstance(code, str) and code.startswith(CODE_PREFIX) else ""
    return int(digits) if digits.isdigit() and len(digits) <= 17 else None


class ReturnCharge(Base):
    """The part's price charged to a service point for an overdue or wrong-part return.

    Unique per (return, kind): a second sweep or a repeated inspection cannot charge twice.
    """

    __tablename__ = "return_charge"
    __table_args__ = (
        UniqueConstraint("return_id", "kind"),
        CheckConstraint(f"kind in ({_in(CHARGE_KINDS)})", name="kind"),
        CheckConstraint("amount >= 0", name="amount"),
        Index("ix_return_charge_point_at", "service_point_code", "at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("part_return.id"))
    service_point_code: Mapped[str] = mapped_column(ForeignKey("service_point.code"))
    kind: Mapped[str] = mapped_column(String(12))
    amount: Mapped[Decimal] = mapped_column(Money)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    part_return: Mapped[Return] = relationship(back_populates="charges")

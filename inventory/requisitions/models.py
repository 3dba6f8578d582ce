"""Requisition tables: the requisition, its lines, the allocations that reserve stock, history."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog import Part  # noqa: F401  mapped before the read-only relationships below resolve it
from ..db import Base, Money, UTCDateTime
from ..network import ServicePoint  # noqa: F401  as Part

BigId = BigInteger().with_variant(Integer, "sqlite")
STATUSES = ("allocated", "partially_backordered", "backordered", "shipped", "delivered", "cancelled")
# `released`: the units no longer count toward the line - given back at cancel or re-plan, or
# shipped as the wrong part (then `wrong_part_at` is set and a replacement serves the line).
ALLOCATION_STATUSES = ("reserved", "shipped", "delivered", "released")
STOCK_SEEN = ("regional", "other_warehouse", "hq", "late_only", "nowhere")


class Requisition(Base):
    __tablename__ = "requisition"
    __table_args__ = (
        Index("ix_requisition_dealer", "dealer_code", "id"),
        Index("ix_requisition_point", "service_point_code", "id"),
        Index("ix_requisition_status", "status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_role: Mapped[str] = mapped_column(String(16))
    dealer_code: Mapped[str | None] = mapped_column(ForeignKey("dealer.code"))
    service_point_code: Mapped[str] = mapped_column(ForeignKey("service_point.code"))
    ticket: Mapped[str | None] = mapped_column(String(64), index=True)
    in_warranty: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(24))
    value: Mapped[Decimal] = mapped_column(Money)
    quota_period: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The visit fee as the policy set it at submit, for a requisition with a ticket (seed 003, 10 收费标准):
    # the point's city tier then, the fee for a visit (上门) by that tier and the in-shop fee (在点).
    # Whichever of the ticket's requisitions carries the fee (`customer_charges`) charges its own frozen
    # amounts, so a later change of policy or tier never alters what was owed. None without a ticket.
    visit_fee_tier: Mapped[str | None] = mapped_column(String(24))
    visit_fee: Mapped[Decimal | None] = mapped_column(Money)
    in_shop_fee: Mapped[Decimal | None] = mapped_column(Money)
    lines: Mapped[list[RequisitionLine]] = relationship(
        back_populates="requisition", order_by="RequisitionLine.line_no", lazy="selectin",
        cascade="all, delete-orphan")
    events: Mapped[list[RequisitionEvent]] = relationship(
        order_by="RequisitionEvent.id", lazy="select", cascade="all, delete-orphan")
    # Read only, set by submit: the rows it checked stay in the session for its response (the
    # customer charge reads the point and the parts by key without a query).
    point: Mapped[ServicePoint] = relationship(viewonly=True)

    @property
    def code(self) -> str:
        return format_code(self.id)


def format_code(number: int) -> str:
    return f"R{number:08d}"


def parse_code(code: str) -> int | None:
    if isinstance(code, str) and len(code) > 1 and code[0] == "R" and code[1:].isdigit() and len(code) <= 19:
        return int(code[1:])
    return None


class RequisitionLine(Base):
    """One sku of a requisition. `stock_seen` records, at submit, where stock could have met
    the promise: the evidence that later decides who caused a parts wait (缺件责任)."""

    __tablename__ = "requisition_line"
    __table_args__ = (
        CheckConstraint("qty >= 1", name="qty"),
        CheckConstraint("backordered_qty >= 0 AND backordered_qty <= qty", name="backordered_qty"),
        Index("ix_requisition_line_sku", "sku"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisition.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    backordered_qty: Mapped[int] = mapped_column(Integer, default=0)
    promised_by: Mapped[datetime] = mapped_column(UTCDateTime)
    stock_seen: Mapped[str] = mapped_column(String(16))
    # Whether the part is free (保内): the warranty engine's decision at submit from the ticket's
    # appliance (`requisitions.warranty`), or HQ's override of it. Quota credit and the old part's
    # return follow this value. `warranty_computed` is the engine's own answer, kept beside an
    # override; basis None: a line from before warranties were decided (the caller's word then).
    in_warranty: Mapped[bool] = mapped_column(Boolean, default=False)
    warranty_basis: Mapped[str | None] = mapped_column(String(16))
    warranty_until: Mapped[date | None] = mapped_column(Date)
    warranty_computed: Mapped[bool | None] = mapped_column(Boolean)
    warranty_override_by: Mapped[str | None] = mapped_column(String(64))
    warranty_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warranty_override_reason: Mapped[str | None] = mapped_column(Text)
    # What the customer pays per unit when the line is out of warranty, frozen at submit from the
    # catalogue and policy then (`catalog.customer_price`): a later list price or markup never
    # changes an issued line, a closed statement or an overcharge's `allowed`. Kept on re-decision
    # (which changes in_warranty only). `price_basis`: `list` or `markup`.
    customer_price: Mapped[Decimal | None] = mapped_column(Money)
    price_basis: Mapped[str | None] = mapped_column(String(8))
    # Whether the whole unit (整机) was covered when the engine decided the line, apart from the part
    # (`warranty.Decision.unit_covered`): a key component free past the unit's term still pays the
    # visit fee (seed 003). None where the engine decided nothing; HQ's override leaves it.
    unit_covered: Mapped[bool | None] = mapped_column(Boolean)
    requisition: Mapped[Requisition] = relationship(back_populates="lines")
    part: Mapped[Part] = relationship(viewonly=True)  # read only, as Requisition.point

    @property
    def warranty_overridden(self) -> bool:
        return self.warranty_override_at is not None
    allocations: Mapped[list[Allocation]] = relationship(
        back_populates="line", order_by="Allocation.id", lazy="selectin", cascade="all, delete-orphan")


class Allocation(Base):
    """Units of a line reserved at (then shipped from) one warehouse.

    `wrong_part_*` record a mis-shipment (错发): the point reported that these units arrived as
    another part (`wrong_part_sku`); the allocation is then released and a replacement allocated
    (`inventory.requisitions.wrong_part`). The evidence that fines the shipper (HQ parts group).

    `sku` is the part these units are: the line's own, or a successor or interchangeable part
    that served it (替代件, `inventory.supersession`); stock moves under this sku."""

    __tablename__ = "allocation"
    __table_args__ = (
        CheckConstraint("qty >= 1", name="qty"),
        CheckConstraint("wrong_part_at IS NULL OR (status = 'released' AND wrong_part_sku IS NOT NULL "
                        "AND shipped_at IS NOT NULL)", name="wrong_part"),
        Index("ix_allocation_wh_status", "warehouse_code", "status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("requisition_line.id"), index=True)
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"))
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"))
    qty: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    promised_by: Mapped[datetime] = mapped_column(UTCDateTime)
    eta: Mapped[datetime] = mapped_column(UTCDateTime)
    lane_hours: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    wrong_part_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wrong_part_sku: Mapped[str | None] = mapped_column(ForeignKey("part.sku"))
    wrong_part_by: Mapped[str | None] = mapped_column(String(64))
    line: Mapped[RequisitionLine] = relationship(back_populates="allocations")

    @property
    def mis_shipped(self) -> bool:
        return self.wrong_part_at is not None

    @property
    def substituted(self) -> bool:
        """Served with another part than the line asked for (a successor or interchangeable one)."""
        return self.line is not None and self.sku != self.line.sku


class RequisitionEvent(Base):
    """The requisition's history: submitted, shipped, received, wrong_part, cancelled, replanned."""

    __tablename__ = "requisition_event"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisition.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")

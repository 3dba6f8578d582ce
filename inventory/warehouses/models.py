"""Stock tables: one balance row per (warehouse, sku) and the append-only movement ledger."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

MOVEMENT_KINDS = (
    "receipt", "transfer_out", "transfer_in", "reservation", "release",
    "issue", "return_in", "adjustment", "scrap", "mis_shipment",
)

BigId = BigInteger().with_variant(Integer, "sqlite")


class StockBalance(Base):
    """What a warehouse holds of a sku. Always equal to the sums of its ledger rows.

    The CHECKs are the last guard against overselling: even a buggy caller cannot make
    available (on_hand - reserved) negative.
    """

    __tablename__ = "stock_balance"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand"),
        CheckConstraint("reserved >= 0", name="reserved"),
        CheckConstraint("reserved <= on_hand", name="available"),
        CheckConstraint("in_transit >= 0", name="in_transit"),
        Index("ix_stock_balance_sku", "sku"),
    )
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    in_transit: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(Base):
    """One ledger row (库存流水): who moved how many of what, when and why. Never updated."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        Index("ix_stock_movement_wh_sku", "warehouse_code", "sku"),
        Index("ix_stock_movement_ref", "ref_type", "ref_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"))
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"))
    kind: Mapped[str] = mapped_column(String(16))
    on_hand_delta: Mapped[int] = mapped_column(Integer, default=0)
    reserved_delta: Mapped[int] = mapped_column(Integer, default=0)
    in_transit_delta: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200), default="")
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[str | None] = mapped_column(String(64))


TRANSFER_STATUSES = (
    "draft", "shipped", "partially_received", "received",
    "closed_with_discrepancy", "cancelled", "rejected",
)


class Transfer(Base):
    """A move of one sku between two warehouses (调拨): draft -> shipped -> received.

    Shipping takes the units out of the source's available stock and puts them in transit
    to the destination; receipts land them there. A transfer closed short records the
    missing units as its `discrepancy`. The ledger rows carry `ref ("transfer", id)`.
    """

    __tablename__ = "transfer"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty"),
        CheckConstraint("qty_received >= 0 AND qty_received <= qty", name="qty_received"),
        CheckConstraint("from_warehouse <> to_warehouse", name="two_warehouses"),
        CheckConstraint("status in ('draft', 'shipped', 'partially_received', 'received', "
                        "'closed_with_discrepancy', 'cancelled', 'rejected')", name="status"),
        Index("ix_transfer_status", "status"),
        Index("ix_transfer_sku", "sku"),
        Index("ix_transfer_proposal_run_id", "proposal_run_id"),
    )
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    from_warehouse: Mapped[str] = mapped_column(ForeignKey("warehouse.code"))
    to_warehouse: Mapped[str] = mapped_column(ForeignKey("warehouse.code"))
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"))
    qty: Mapped[int] = mapped_column(Integer)
    qty_received: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(24), default="draft")
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipped_by: Mapped[str | None] = mapped_column(String(64))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discrepancy: Mapped[int | None] = mapped_column(Integer)
    closing_note: Mapped[str | None] = mapped_column(String(200))
    proposal_run_id: Mapped[str | None] = mapped_column(String(64))

    @property
    def outstanding(self) -> int:
        """Units shipped and still in transit (0 before shipping and once closed)."""
        if self.status in ("shipped", "partially_received"):
            return self.qty - self.qty_received
        return 0

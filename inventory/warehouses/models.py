"""Stock tables: one balance row per (warehouse, sku) and the append-only movement ledger."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

MOVEMENT_KINDS = (
    "receipt", "transfer_out", "transfer_in", "reservation", "release",
    "issue", "return_in", "adjustment", "scrap",
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

"""Quota tables: the month's account per dealer and its append-only movements."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Money, UTCDateTime

QUOTA_MOVEMENT_KINDS = ("reserve", "release", "consume", "reopen", "credit", "limit_raise", "extension")


class QuotaAccount(Base):
    """A dealer's credit for one month (period 'YYYY-MM', Beijing time).

    available = limit + extension + credited - reserved - consumed, kept >= 0 by a CHECK and
    by the conditional update that reserves, so concurrent submits can never overspend.
    """

    __tablename__ = "quota_account"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved"),
        CheckConstraint("consumed >= 0", name="consumed"),
        CheckConstraint("credited >= 0", name="credited"),
        CheckConstraint("reserved + consumed <= credit_limit + extension + credited", name="within_limit"),
    )
    dealer_code: Mapped[str] = mapped_column(ForeignKey("dealer.code"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    credit_limit: Mapped[Decimal] = mapped_column(Money)
    extension: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    reserved: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    consumed: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    credited: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    @property
    def available(self) -> Decimal:
        return self.credit_limit + self.extension + self.credited - self.reserved - self.consumed


class QuotaMovement(Base):
    """One change to a quota account: who, when, why, how much."""

    __tablename__ = "quota_movement"
    __table_args__ = (Index("ix_quota_movement_dealer_period", "dealer_code", "period"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    dealer_code: Mapped[str] = mapped_column(ForeignKey("dealer.code"))
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200), default="")
    ref_id: Mapped[str | None] = mapped_column(String(64))

"""Overcharge penalties (seed 003, 10 注(2)): a point found charging a customer more than the
fee table allows pays ten times (*policy*) the excess (一经核实, 处该网点多收费金额十倍罚款).

HQ records what the customer was charged, what was allowed (by default the amount the system
says the point may collect for the ticket), and how it was verified. The penalty is booked in
the Beijing month it is recorded in, shown on that month's statement and penalty report, and
each record is audited.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import audit
from .business_calendar import month_bounds
from .catalog import MAX_LIST_PRICE
from .customer_charges import ticket_charge
from .db import Base, Money, UTCDateTime, to_money, utcnow
from .errors import InvalidInput, NotFound
from .network import ServicePoint
from .policy import Policy

BigId = BigInteger().with_variant(Integer, "sqlite")
MAX_NOTE = 500
MAX_TICKET = 64


class OverchargePenalty(Base):
    """One verified overcharge: `amount` = `excess` (charged - allowed) x `multiple`, as recorded."""

    __tablename__ = "overcharge_penalty"
    __table_args__ = (
        CheckConstraint("allowed >= 0", name="allowed"),
        CheckConstraint("charged > allowed", name="charged"),
        CheckConstraint("excess = charged - allowed", name="excess"),
        CheckConstraint("multiple >= 1", name="multiple"),
        CheckConstraint("amount = excess * multiple", name="amount"),
        Index("ix_overcharge_penalty_point_at", "service_point_code", "recorded_at"),
        Index("ix_overcharge_penalty_recorded_at", "recorded_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    service_point_code: Mapped[str] = mapped_column(ForeignKey("service_point.code"))
    ticket: Mapped[str | None] = mapped_column(String(MAX_TICKET))
    charged: Mapped[Decimal] = mapped_column(Money)
    allowed: Mapped[Decimal] = mapped_column(Money)
    excess: Mapped[Decimal] = mapped_column(Money)
    multiple: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def code(self) -> str:
        return f"OC{self.id:08d}"


def _amount(name: str, value) -> Decimal:
    if isinstance(value, (float, bool)) or value is None:
        raise InvalidInput(f"{name} must be a decimal amount such as \"80.00\"", code="overcharge.amount_not_decimal",
                           field=name)
    try:
        amount = Decimal(value)
    except Exception:  # noqa: BLE001 - any unreadable value gets the same answer
        raise InvalidInput(f"{name} {value!r} is not a number", code="overcharge.amount_not_a_number", field=name,
                           value=value) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_LIST_PRICE:
        raise InvalidInput(f"{name} must be between 0.00 and {MAX_LIST_PRICE}", code="overcharge.amount_out_of_range",
                           field=name, most=MAX_LIST_PRICE)
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"{name} must have at most two decimal places", code="overcharge.amount_too_precise",
                           field=name)
    return to_money(amount)


def record(session: Session, point: str, *, charged, note: str, actor: str, policy: Policy,
           allowed=None, ticket: str | None = None, now: datetime | None = None) -> OverchargePenalty:
    """Record a verified overcharge and its penalty; `allowed` defaults to what the point may
    collect for `ticket`. Refused (nothing written) unless the customer paid more than allowed."""
    if session.get(ServicePoint, point) is None:
        raise NotFound(f"no service point {point}", code="service_point.not_found", service_point=point)
    note = (note or "").strip()
    if not note or len(note) > MAX_NOTE:
        raise InvalidInput(f"note: say how the overcharge was verified (1-{MAX_NOTE} characters)",
                           code="overcharge.note_needed", field="note", most=MAX_NOTE)
    if ticket is not None and not 1 <= len(ticket) <= MAX_TICKET:
        raise InvalidInput(f"ticket: 1-{MAX_TICKET} characters", code="overcharge.ticket_length", field="ticket",
                           most=MAX_TICKET)
    charged = _amount("charged", charged)
    if allowed is None:
        if ticket is None:
            raise InvalidInput("allowed: give the amount allowed, or the ticket to compute it from",
                               code="overcharge.allowed_needed", field="allowed")
        allowed = ticket_charge(session, point, ticket, policy)
        if allowed is None:
            raise InvalidInput(f"ticket {ticket} has no requisition at {point}; give the amount allowed",
                               code="overcharge.ticket_without_requisition", field="allowed", ticket=ticket,
                               service_point=point)
    allowed = _amount("allowed", allowed)
    if charged <= allowed:
        raise InvalidInput(f"charged {charged} is not more than the {allowed} allowed: no overcharge",
                           code="overcharge.not_over", field="charged", charged=charged, allowed=allowed)
    multiple = int(policy.overcharge_penalty_multiple)
    excess = charged - allowed
    row = OverchargePenalty(service_point_code=point, ticket=ticket, charged=charged, allowed=allowed, excess=excess,
                            multiple=multiple, amount=to_money(excess * multiple), note=note, recorded_by=actor,
                            recorded_at=now or utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor, "penalty.overcharge", f"service_point:{point}", penalty=row.code, ticket=ticket,
                 charged=str(charged), allowed=str(allowed), excess=str(excess), multiple=multiple,
                 amount=str(row.amount), note=note)
    return row


def in_period(session: Session, start: datetime, end: datetime, point: str | None = None) -> list[OverchargePenalty]:
    """Penalties recorded in [start, end), oldest first; one point's when `point` is given."""
    stmt = select(OverchargePenalty).where(OverchargePenalty.recorded_at >= start, OverchargePenalty.recorded_at < end)
    if point is not None:
        stmt = stmt.where(OverchargePenalty.service_point_code == point)
    return list(session.scalars(stmt.order_by(OverchargePenalty.recorded_at, OverchargePenalty.id)))


def to_dict(row: OverchargePenalty) -> dict:
    return {"id": row.code, "service_point": row.service_point_code, "ticket": row.ticket,
            "charged": str(row.charged), "allowed": str(row.allowed), "excess": str(row.excess),
            "multiple": row.multiple, "amount": str(row.amount), "note": row.note,
            "recorded_by": row.recorded_by, "recorded_at": row.recorded_at.isoformat()}


def month_summary(session: Session, month: str) -> dict:
    """The month's overcharge penalties across the network, as the penalty report lists them."""

    start, end = month_bounds(month)
    rows = in_period(session, start, end)
    return {"count": len(rows), "amount": str(sum((r.amount for r in rows), Decimal("0.00"))),
            "penalties": [to_dict(r) for r in rows]}

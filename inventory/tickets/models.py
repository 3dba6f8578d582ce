"""Repair-ticket tables: the ticket as the call centre knows it, the events it posted, and HQ's
word on the cause of a parts wait.

The tickets live in the call centre's system (派工单); we keep their events so parts waits can
be linked (`requisition.ticket`) and time attributed. Every `ticket` column except `code` is
derived from the events by `events.refresh_ticket`, as a function of the set of events, so
the row is the same whatever order they arrived in.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")


class RepairTicket(Base):
    """One repair ticket; `completed_at` (the first `completed` event) selects the report's month."""

    __tablename__ = "ticket"
    __table_args__ = (Index("ix_ticket_completed_at", "completed_at"),)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_point_code: Mapped[str | None] = mapped_column(ForeignKey("service_point.code"))
    family: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketEvent(Base):
    """An event as posted; `dedupe_key` (a digest of the facts) stores an exact repeat once."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket", "ticket_code", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_code: Mapped[str] = mapped_column(ForeignKey("ticket.code"))
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    service_point_code: Mapped[str | None] = mapped_column(String(16))
    family: Mapped[str | None] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_by: Mapped[str] = mapped_column(String(64))


# The causes that name a regional warehouse (attribution.WAREHOUSE_CAUSES), spelt for a CHECK.
WAREHOUSE_CAUSES_SQL = "('regional_late_shipment', 'regional_wrong_part')"


class PartsWaitCause(Base):
    """HQ's parts module confirmed or corrected the cause of one requisition line's wait (需配件
    模块确认原因). One row per line, replaced by a later decision; the audit log keeps each one.
    `automatic_cause` is what the rules said when HQ decided, so `confirmed` vs `corrected`
    stays what HQ saw."""

    __tablename__ = "parts_wait_cause"
    __table_args__ = (
        CheckConstraint(f"(warehouse_code IS NOT NULL) = (cause IN {WAREHOUSE_CAUSES_SQL})", name="warehouse"),
        Index("ix_parts_wait_cause_ticket", "ticket_code"),
    )
    line_id: Mapped[int] = mapped_column(BigId, ForeignKey("requisition_line.id"), primary_key=True,
                                         autoincrement=False)
    ticket_code: Mapped[str] = mapped_column(String(64))
    cause: Mapped[str] = mapped_column(String(32))
    warehouse_code: Mapped[str | None] = mapped_column(ForeignKey("warehouse.code"))
    automatic_cause: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketAppliance(Base):
    """The appliance a ticket repairs and the fault reported, as the call centre recorded it
    (`PUT /tickets/{t}/appliance`; a later record replaces it, audited). The serial links the
    appliance's earlier tickets: its repair history. `proof` None: no invoice or warranty card,
    so nothing is free whatever `purchased_on` says (the customer's word is kept, not used)."""

    __tablename__ = "ticket_appliance"
    __table_args__ = (
        CheckConstraint("product_line IN ('washer', 'ac')", name="product_line"),
        CheckConstraint("use IN ('household', 'commercial')", name="use"),
        CheckConstraint("proof IS NULL OR (proof IN ('invoice', 'warranty_card') AND purchased_on IS NOT NULL)",
                        name="proof"),
        Index("ix_ticket_appliance_serial", "serial"),
    )
    ticket_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_line: Mapped[str] = mapped_column(String(8))
    use: Mapped[str] = mapped_column(String(12))
    model: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str] = mapped_column(String(64))
    purchased_on: Mapped[date | None] = mapped_column(Date)
    proof: Mapped[str | None] = mapped_column(String(16))
    fault: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))

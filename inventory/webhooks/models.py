"""Webhook tables: the registrations, the outbox of events, each delivery and its attempts.

The outbox (`webhook_event`) is filled by a periodic scan of what the domain already records
(requisition history, overdue returns, quota accounts), so no request path writes or sends
anything for webhooks. Each fact is recorded once: a requisition event by its id, a return by
its id, a quota level by (dealer, month, level) - unique columns the scan checks against.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")
EVENTS = ("requisition.allocated", "requisition.backordered", "requisition.shipped", "requisition.delivered",
          "backorder.filled", "return.overdue", "quota.threshold")
OWNER_ROLES = ("dealer", "service_point")
DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")
CODE_PREFIX = "WH"


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Webhook(Base):
    """A dealer's or service point's receiver: where to POST which events, signed with its secret.

    The secret is kept as given (HMAC needs it to sign) and never shown again. `from_event_id`
    is the last requisition history row when it was registered: only later history is pushed.
    Removal keeps the row (`deleted_at`) so its delivery log stays explainable."""

    __tablename__ = "webhook"
    __table_args__ = (
        CheckConstraint(f"owner_role in ({_in(OWNER_ROLES)})", name="owner_role"),
        Index("ix_webhook_owner", "owner_role", "owner_code"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_role: Mapped[str] = mapped_column(String(16))
    owner_code: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(256))
    events: Mapped[str] = mapped_column(Text)  # the subscribed names, space-separated
    from_event_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def code(self) -> str:
        return format_code(self.id)

    @property
    def event_names(self) -> list[str]:
        return self.events.split()


def format_code(number: int) -> str:
    return f"{CODE_PREFIX}{number:08d}"


def parse_code(code: str) -> int | None:
    if isinstance(code, str) and code.startswith(CODE_PREFIX) and code[2:].isdigit() and 3 <= len(code) <= 20:
        return int(code[2:])
    return None


class WebhookEvent(Base):
    """One pushable fact for one owner, recorded once (the unique source columns)."""

    __tablename__ = "webhook_event"
    __table_args__ = (
        UniqueConstraint("quota_dealer", "quota_period", "quota_level"),
        Index("ix_webhook_event_owner", "owner_role", "owner_code"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    owner_role: Mapped[str] = mapped_column(String(16))
    owner_code: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[str] = mapped_column(Text)  # JSON: the payload's `data`
    requisition_event_id: Mapped[int | None] = mapped_column(ForeignKey("requisition_event.id"), unique=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("part_return.id"), unique=True)
    quota_dealer: Mapped[str | None] = mapped_column(ForeignKey("dealer.code"))
    quota_period: Mapped[str | None] = mapped_column(String(7))
    quota_level: Mapped[int | None] = mapped_column(Integer)


class WebhookDelivery(Base):
    """One event to one webhook. Its id is the payload's `id`, the same on every retry.

    `claim` is the sending worker's token: set with `next_attempt_at` pushed past the send's
    lease when a worker takes the row, so no other worker sends it meanwhile; only the
    holder of the claim records the outcome."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint(f"status in ({_in(DELIVERY_STATUSES)})", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_webhook", "webhook_id", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_event.id"), index=True)
    replay_of: Mapped[str | None] = mapped_column(ForeignKey("webhook_delivery.id"))
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    event: Mapped[WebhookEvent] = relationship(lazy="joined", innerjoin=True)
    log: Mapped[list[WebhookAttempt]] = relationship(order_by="WebhookAttempt.number", lazy="selectin",
                                                     cascade="all, delete-orphan")


class WebhookAttempt(Base):
    """One POST of a delivery: the answer's status code, or the error (timeout, refused...)."""

    __tablename__ = "webhook_attempt"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_delivery.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int] = mapped_column(Integer)


class WebhookCursor(Base):
    """How far the scan has read a source (the requisition history's ids)."""

    __tablename__ = "webhook_cursor"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)

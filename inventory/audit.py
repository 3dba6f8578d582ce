"""The audit log (审计日志): who changed quotas, policy, transfer approvals and stock (counts,
wrong-part corrections).

Like the stock ledger it is append-only in the database itself (triggers refuse UPDATE and
DELETE). A service appends its row with `record` inside its own transaction, so a change
and its audit row are committed or rolled back together.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, bindparam, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime, utcnow

ACTIONS = {
    "quota.raise_limit": "HQ raised a dealer's monthly quota limit",
    "quota.extension": "HQ granted a dealer a one-month quota extension",
    "policy.set": "HQ changed a policy value",
    "transfer.approve": "a transfer was approved and shipped",
    "transfer.reject": "HQ rejected a proposed transfer",
    "stock.adjust": "a stock count changed on hand (盘点调整)",
    "stock.mis_shipment": "a reported wrong part corrected the shipping warehouse's stock (错发)",
    "ticket.parts_cause": "HQ's parts module confirmed or corrected a parts wait's cause (配件模块确认原因)",
    "ticket.appliance": "the appliance on a repair ticket was recorded or corrected (机器信息)",
    "requisition.warranty_override": "HQ overrode the warranty decision of a requisition line (保修判定改判)",
    "purchase_order.approve": "HQ approved a purchase order",
    "purchase_order.reject": "HQ rejected a proposed purchase order",
    "purchase_order.receive": "goods were received against a purchase order",
    "purchase_order.close_short": "HQ closed a purchase order short",
    "stock_plan.request": "a new stock plan (and its purchase proposals) was asked for: HQ or the weekly job",
    "signin.lock": "too many failed web sign-ins locked a username or a network address",
    "signin.refused": "a web sign-in was refused because its username or address is locked",
    "signin.unlock": "HQ lifted a sign-in lock",
    "catalog.list_prices": "HQ set customer list prices of parts (零部件收费标准): API or spreadsheet",
    "catalog.supersession": "HQ set or removed replaced part numbers (替代件): API, page or spreadsheet",
    "cycle_count.approve": "HQ approved a cycle count variance beyond the tolerance; it was posted (循环盘点差异审批)",
    "cycle_count.direct": "a clerk's direct count beyond the tolerance was held for HQ's approval, not posted (盘点差异待审批)",
    "cycle_count.reject": "HQ rejected a cycle count variance; the sku is to be counted again (循环盘点差异驳回)",
    "penalty.overcharge": "HQ recorded a service point's overcharge penalty, ten times the excess (多收费十倍罚款)",
    "webhook.register": "a dealer or service point registered a webhook (URL and events; never the secret)",
    "webhook.remove": "a dealer or service point removed its webhook",
    "webhook.replay": "a dealer or service point asked for a delivery of its webhook to be sent again",
    "bin.set": "a warehouse's bin locations were set or cleared (库位): its clerk, HQ, the API or a spreadsheet",
}


class AuditEntry(Base):
    """One audited change: when, who, what kind, on what, and the details as JSON text."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_action_at", "action", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(Text)

    @property
    def details(self) -> dict:
        return json.loads(self.detail)


# built once (a night's transfers each write a row): building the statement cost more than running it
_ENTRY = insert(AuditEntry).values(at=bindparam("at"), actor=bindparam("actor"), action=bindparam("action"),
                                   subject=bindparam("subject"), detail=bindparam("detail"))


def record(session: Session, actor: str, action: str, subject: str, **detail: Any) -> None:
    """Append one audit row in the caller's transaction (never commits)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.execute(_ENTRY, {"at": utcnow(), "actor": actor[:64], "action": action, "subject": subject[:120],
                             "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)})


def entries(session: Session, *, since: datetime | None = None, action: str | None = None) -> list[AuditEntry]:
    """Audit rows, oldest first; `action` matches exactly or as a prefix ending in '.' ('quota.')."""
    stmt = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True) if action.endswith(".")
                          else AuditEntry.action == action)
    return list(session.scalars(stmt))

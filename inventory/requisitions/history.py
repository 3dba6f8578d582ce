"""What every requisition operation records beside the stock: its history rows, the time a
reported event happened, and the status derived from its allocations. One home for submit,
cancel, ship, receive (`service`), a wrong part (`wrong_part`), a warranty override
(`warranty`) and a re-plan (`replan`, in bulk), so all of them write the same rows."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from .models import Requisition, RequisitionEvent


def event_values(requisition_id: int, kind: str, actor: str, at: datetime, **detail) -> dict:
    """The columns of one history row: built here for submit and the other operations one at a
    time and for a re-plan (`replan`) in bulk, so both write the same rows."""
    return {"requisition_id": requisition_id, "at": at, "kind": kind, "actor": actor,
            "detail": json.dumps(detail, ensure_ascii=False, default=str)}


def add_event(session: Session, req: Requisition, kind: str, actor: str, at: datetime, **detail) -> None:
    """One row of the requisition's history, shown in the API and the clerk's pages."""
    session.add(RequisitionEvent(**event_values(req.id, kind, actor, at, **detail)))


def event_time(at: datetime | None, now: datetime) -> datetime:
    """When a reported event happened: now, or an earlier UTC time the caller gives (a late scan)."""
    if at is None:
        return now
    if at.tzinfo is None:
        raise InvalidInput("at must carry a UTC offset", code="time.without_offset", field="at")
    if at > now + timedelta(seconds=5):
        raise InvalidInput("at may not lie in the future", code="time.in_future", field="at")
    return at


def status_of(cancelled: bool, backordered: int, allocation_statuses: list[str]) -> str:
    """A requisition's status from its backordered units and its allocations' statuses."""
    if cancelled:
        return "cancelled"
    live = [s for s in allocation_statuses if s != "released"]
    if backordered:
        return "partially_backordered" if live else "backordered"
    if live and all(s == "delivered" for s in live):
        return "delivered"
    if live and all(s in ("shipped", "delivered") for s in live):
        return "shipped"
    return "allocated"


def refresh_status(req: Requisition) -> None:
    """Derive the requisition's status from its lines and allocations."""
    req.status = status_of(req.cancelled_at is not None, sum(line.backordered_qty for line in req.lines),
                           [a.status for line in req.lines for a in line.allocations])

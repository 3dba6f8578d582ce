"""Ticket events from the call centre (and HQ): validate, store once, keep the ticket row derived.

Decisions:
- Out of order is normal (the call centre's queue retries): an event for a ticket we have not
  seen creates the ticket row as a stub; it is attributed once its `created` event arrives.
- An exact repeat (same ticket, type, instant, until, note, service point, family; `+08:00`
  and `Z` spellings of one instant are the same) is stored once: the first row is returned.
- Every derived column of `ticket` is recomputed from the set of its events, so the row,
  like the attribution, does not depend on arrival order.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..access import Principal
from ..attribution import EVENT_TYPES, Event
from ..db import utcnow
from ..errors import InvalidInput
from ..network import ServicePoint
from .models import RepairTicket, TicketEvent

MAX_CODE = 64
MAX_NOTE = 2000
FAMILY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CLOCK_SKEW = timedelta(seconds=5)
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)


def check_code(code: str) -> str:
    """A ticket code as the call centre issues it: 1-64 printable characters, no spaces."""
    if not isinstance(code, str) or not 1 <= len(code) <= MAX_CODE or not code.isprintable() or " " in code:
        raise InvalidInput(f"ticket: {code!r} is not a ticket code (1-{MAX_CODE} printable characters, no spaces)",
                           code="ticket.code_invalid", field="ticket")
    return code


def check_time(value: datetime | None, field: str) -> datetime | None:
    """A timestamp within the years tickets can have (and UTC can represent), else InvalidInput."""
    if isinstance(value, datetime) and value.utcoffset() is not None and not EARLIEST <= value < LATEST:
        raise InvalidInput(f"{field}: {value.isoformat()} is not between {EARLIEST.year} and {LATEST.year}",
                           code="ticket.time_out_of_range", field=field)
    return value


def _check_event(type: str, at: datetime, until: datetime | None, note: str | None, now: datetime) -> Event:
    """The engine's own Event checks (known type, offsets, until only on excuses), plus ours."""
    check_time(at, "at")
    check_time(until, "until")
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"note: at most {MAX_NOTE} characters", code="ticket.note_too_long", field="note",
                           most=MAX_NOTE)
    event = Event(type, at, until, note)
    if event.until is not None and event.until <= event.at:
        raise InvalidInput("until: must be after at", code="ticket.until_not_after_at", field="until")
    if event.at > now + CLOCK_SKEW:
        raise InvalidInput("at: may not lie in the future", code="ticket.event_in_future", field="at")
    return event


def _check_fields(session: Session, service_point: str | None, family: str | None) -> None:
    if service_point is not None and session.get(ServicePoint, service_point) is None:
        raise InvalidInput(f"service_point: unknown service point {service_point}", code="ticket.unknown_service_point",
                           field="service_point", service_point=service_point)
    if family is not None and not FAMILY.match(family):
        raise InvalidInput(f"family: {family!r} is not a product family code (e.g. fully_automatic, twin_tub)",
                           code="ticket.family_invalid", field="family", family=family)


def dedupe_key(code: str, event: Event, service_point: str | None, family: str | None) -> str:
    facts = [code, event.type, event.at.isoformat(), event.until.isoformat() if event.until else None,
             event.note, service_point, family]
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()


def _locked_ticket(session: Session, code: str, now: datetime) -> RepairTicket:
    """The ticket row, created as a stub if new, locked so one ticket's events apply one at a time."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(module.insert(RepairTicket).values(code=code, first_received_at=now).on_conflict_do_nothing())
    return session.execute(select(RepairTicket).where(RepairTicket.code == code).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()


def _latest_value(events: list[TicketEvent], attr: str) -> str | None:
    """The value of the latest event that carries one; ties broken by type, then value."""
    carrying = [e for e in events if getattr(e, attr) is not None]
    if not carrying:
        return None
    latest = max(carrying, key=lambda e: (e.at, EVENT_TYPES.index(e.type), getattr(e, attr)))
    return getattr(latest, attr)


def refresh_ticket(session: Session, ticket: RepairTicket) -> None:
    """Derive the ticket's columns from all of its events (a function of the set, not the order)."""
    events = list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_code == ticket.code)))
    ticket.created_at = min((e.at for e in events if e.type == "created"), default=None)
    ticket.completed_at = min((e.at for e in events if e.type == "completed"), default=None)
    ticket.service_point_code = _latest_value(events, "service_point_code")
    ticket.family = _latest_value(events, "family")


def record_event(session: Session, ticket: str, type: str, at: datetime | None = None,
                 until: datetime | None = None, note: str | None = None,
                 principal: Principal | None = None, *, service_point: str | None = None,
                 family: str | None = None, now: datetime | None = None) -> TicketEvent:
    """Store one ticket event (or find its identical twin) and refresh the ticket row.

    `at` defaults to `now`, may not lie in the future; excuses (rescheduled_by_customer,
    force_majeure) need `until` after `at`. `service_point` and `family` are optional facts
    (usually on `created` or `dispatched_point`); the latest event carrying one wins.
    """
    now = now or utcnow()
    code = check_code(ticket)
    note = (note.strip() or None) if note is not None else None
    event = _check_event(type, at or now, until, note, now)
    _check_fields(session, service_point, family)
    key = dedupe_key(code, event, service_point, family)
    row = _locked_ticket(session, code, now)
    existing = session.execute(select(TicketEvent).where(TicketEvent.dedupe_key == key)).scalar_one_or_none()
    if existing is not None:
        return existing
    stored = TicketEvent(ticket_code=code, type=event.type, at=event.at, until=event.until, note=event.note,
                         service_point_code=service_point, family=family, dedupe_key=key, received_at=now,
                         received_by=principal.name if principal else "system")
    session.add(stored)
    session.flush()
    refresh_ticket(session, row)
    session.flush()
    return stored

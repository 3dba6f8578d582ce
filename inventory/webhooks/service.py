"""Register, list and remove webhooks; read and replay their deliveries. Callers own the
transaction. A webhook belongs to the dealer or service point whose key registered it; any
other caller is told it does not exist (404), as with requisitions."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..access import Principal
from ..db import utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..requisitions.models import RequisitionEvent
from .models import EVENTS, OWNER_ROLES, Webhook, WebhookDelivery, parse_code
from .net import check_url

SECRET_MIN, SECRET_MAX = 16, 256
MAX_PER_OWNER = 20


def _owner(principal: Principal) -> tuple[str, str]:
    if principal.role not in OWNER_ROLES or not principal.code:
        raise InvalidInput("only dealers and service points register webhooks", code="webhook.owners_only")
    return principal.role, principal.code


def _check_events(events) -> list[str]:
    if not isinstance(events, (list, tuple)) or not events:
        raise InvalidInput("events must list at least one event", code="webhook.no_events", field="events")
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise InvalidInput(f"unknown event {unknown[0]!r}; one of {', '.join(EVENTS)}", code="webhook.unknown_event",
                           field="events", event=unknown[0])
    if len(set(events)) != len(events):
        raise InvalidInput("events lists an event twice", code="webhook.event_twice", field="events")
    return sorted(events, key=EVENTS.index)


def _check_secret(secret) -> str:
    if not isinstance(secret, str) or not SECRET_MIN <= len(secret) <= SECRET_MAX:
        raise InvalidInput(f"secret must be {SECRET_MIN}-{SECRET_MAX} characters", code="webhook.secret_length",
                           field="secret")
    if any(ord(ch) < 32 for ch in secret):
        raise InvalidInput("secret must not contain control characters", code="webhook.secret_characters",
                           field="secret")
    return secret


def register(session: Session, principal: Principal, *, url: str, events: list[str], secret: str,
             allow_private: bool, now: datetime | None = None) -> Webhook:
    """A new webhook for the caller; events from now on (later requisition history) are pushed."""
    role, code = _owner(principal)
    names = _check_events(events)
    _check_secret(secret)
    check_url(url, allow_private=allow_private)
    count = session.scalar(select(func.count()).select_from(Webhook).where(
        Webhook.owner_role == role, Webhook.owner_code == code, Webhook.deleted_at.is_(None)))
    if count >= MAX_PER_OWNER:
        raise Conflict(f"at most {MAX_PER_OWNER} webhooks per {role.replace('_', ' ')}; remove one first",
                       code="webhook.too_many", most=MAX_PER_OWNER)
    hook = Webhook(owner_role=role, owner_code=code, url=url, secret=secret, events=" ".join(names),
                   from_event_id=session.scalar(select(func.max(RequisitionEvent.id))) or 0,
                   created_at=now or utcnow(), created_by=principal.name)
    session.add(hook)
    session.flush()
    audit.record(session, principal.name, "webhook.register", f"webhook:{hook.code}", url=url, events=names)
    return hook


def _mine(principal: Principal):
    role, code = (principal.role, principal.code) if principal.role in OWNER_ROLES else ("", "")
    return (Webhook.owner_role == role) & (Webhook.owner_code == (code or "")) & Webhook.deleted_at.is_(None)


def get(session: Session, principal: Principal, code: str, *, for_update: bool = False) -> Webhook:
    """The caller's live webhook; NotFound for another owner's, a removed one or none."""
    number = parse_code(code)
    stmt = select(Webhook).where(Webhook.id == (number if number is not None else -1), _mine(principal))
    hook = session.scalar(stmt.with_for_update() if for_update else stmt)
    if hook is None:
        raise NotFound(f"no webhook {code}", code="webhook.not_found", webhook=code)
    return hook


def list_for(session: Session, principal: Principal, *, page: int, per_page: int):
    cond = _mine(principal)
    total = session.scalar(select(func.count()).select_from(Webhook).where(cond))
    rows = session.scalars(select(Webhook).where(cond).order_by(Webhook.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return rows, total


def remove(session: Session, principal: Principal, code: str, *, now: datetime | None = None) -> None:
    """Stop pushing to it: pending deliveries are cancelled; the log stays for the record."""
    now = now or utcnow()
    hook = get(session, principal, code, for_update=True)
    hook.deleted_at = now
    for delivery in session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.webhook_id == hook.id, WebhookDelivery.status == "pending")):
        delivery.status, delivery.next_attempt_at, delivery.claim = "cancelled", None, None
    audit.record(session, principal.name, "webhook.remove", f"webhook:{hook.code}", url=hook.url)


def deliveries(session: Session, principal: Principal, code: str, *, status: str | None, page: int,
               per_page: int):
    """The webhook's deliveries, newest first, each with its attempts."""
    hook = get(session, principal, code)
    cond = WebhookDelivery.webhook_id == hook.id
    if status:
        cond = cond & (WebhookDelivery.status == status)
    total = session.scalar(select(func.count()).select_from(WebhookDelivery).where(cond))
    rows = session.scalars(select(WebhookDelivery).where(cond)
                           .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.event_id.desc(),
                                     WebhookDelivery.id)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return rows, total


def replay(session: Session, principal: Principal, code: str, delivery_id: str,
           *, now: datetime | None = None) -> WebhookDelivery:
    """Send a finished delivery's event again, as a new delivery with its own id (a receiver
    that dropped the first as a duplicate takes this one); the body names the original in
    `replay_of`. A delivery still being retried is not replayed (409): it is on its way."""
    now = now or utcnow()
    hook = get(session, principal, code)
    original = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == str(delivery_id)[:36],
                                                            WebhookDelivery.webhook_id == hook.id))
    if original is None:
        raise NotFound(f"no delivery {delivery_id} of webhook {code}", code="webhook.delivery_not_found",
                       delivery=delivery_id, webhook=code)
    if original.status == "pending":
        raise Conflict(f"delivery {delivery_id} is still being delivered; replay it once it has succeeded or failed",
                       code="webhook.delivery_pending", delivery=delivery_id)
    again = WebhookDelivery(id=new_delivery_id(), webhook_id=hook.id, event_id=original.event_id,
                            replay_of=original.id, status="pending", attempts=0, next_attempt_at=now, created_at=now)
    session.add(again)
    session.flush()
    audit.record(session, principal.name, "webhook.replay", f"webhook:{hook.code}", delivery=original.id,
                 replay=again.id)
    return again


def new_delivery_id() -> str:
    return str(uuid.uuid4())
